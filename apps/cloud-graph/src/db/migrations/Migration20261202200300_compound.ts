import { Migration } from '@mikro-orm/migrations';

/** Compound detectors: a detector may carry a rule over other detectors (null for the others). */
export class Migration20261202200300 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "detectors" add column "rule" jsonb null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "detectors" drop column "rule";`);
  }
}
