import { Migration } from '@mikro-orm/migrations';

/** The dead letters each edge reports in its heartbeat (count and the newest few). */
export class Migration20261202201700 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "hubs" add column "dead_letter_count" int not null default 0;`);
    this.addSql(`alter table "hubs" add column "dead_letters" jsonb not null default '[]';`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "hubs" drop column "dead_letters";`);
    this.addSql(`alter table "hubs" drop column "dead_letter_count";`);
  }
}
