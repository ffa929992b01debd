import { Migration } from '@mikro-orm/migrations';

/** Alert rules (Groundlight's actions API) and the alerts edges report when a rule fires. */
export class Migration20261202200400 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "alert_rules" ("id" serial primary key, "detector_id" varchar(255) not null, "name" varchar(200) not null, "enabled" boolean not null, "condition" jsonb not null, "snooze_time_enabled" boolean not null, "snooze_time_value" int not null, "snooze_time_unit" varchar(10) not null, "human_review_required" boolean not null, "action" jsonb not null, "webhook_action" jsonb not null, "created_at" timestamptz not null, "updated_at" timestamptz not null);`,
    );
    this.addSql(`create index "alert_rules_detector_id_id_index" on "alert_rules" ("detector_id", "id");`);
    this.addSql(
      `alter table "alert_rules" add constraint "alert_rules_detector_id_foreign" foreign key ("detector_id") references "detectors" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(
      `create table "alert_firings" ("alert_id" varchar(80) not null, "rule_id" int not null, "detector_id" varchar(80) not null, "fired_at" timestamptz not null, "body" jsonb not null, "reported_by" varchar(80) not null, "received_at" timestamptz not null, constraint "alert_firings_pkey" primary key ("alert_id"));`,
    );
    this.addSql(
      `create index "alert_firings_detector_id_fired_at_index" on "alert_firings" ("detector_id", "fired_at");`,
    );
    this.addSql(`create index "alert_firings_received_at_index" on "alert_firings" ("received_at");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "alert_firings" cascade;`);
    this.addSql(`drop table if exists "alert_rules" cascade;`);
  }
}
