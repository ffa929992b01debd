import { Migration } from '@mikro-orm/migrations';

/** The detectors a hub may see and use; null keeps the hubs of before (every detector). */
export class Migration20261202083000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "hubs" add column "assigned_detector_ids" jsonb null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "hubs" drop column "assigned_detector_ids";`);
  }
}
