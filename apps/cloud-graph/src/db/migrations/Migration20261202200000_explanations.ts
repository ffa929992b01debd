import { Migration } from '@mikro-orm/migrations';

/** Explanations (ticket #14): why an image query was answered or escalated, stored with it. */
export class Migration20261202200000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "image_queries" add column "explanation" jsonb null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "image_queries" drop column "explanation";`);
  }
}
