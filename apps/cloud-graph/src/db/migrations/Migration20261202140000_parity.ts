import { Migration } from '@mikro-orm/migrations';

/** Groundlight parity: notes, detector groups, edge metric reports; hub latency samples from heartbeats. */
export class Migration20261202140000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "notes" ("id" varchar(255) not null, "detector_id" varchar(255) not null, "category" varchar(10) not null, "content" text null, "is_pinned" boolean null, "created_by" varchar(80) not null, "created_at" timestamptz not null, constraint "notes_pkey" primary key ("id"));`,
    );
    this.addSql(
      `create index "notes_detector_id_created_at_index" on "notes" ("detector_id", "created_at");`,
    );
    this.addSql(
      `alter table "notes" add constraint "notes_detector_id_foreign" foreign key ("detector_id") references "detectors" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(
      `create table "detector_groups" ("id" varchar(255) not null, "name" varchar(100) not null, "created_at" timestamptz not null, constraint "detector_groups_pkey" primary key ("id"));`,
    );
    this.addSql(
      `alter table "detector_groups" add constraint "detector_groups_name_unique" unique ("name");`,
    );
    this.addSql(
      `create table "edge_metric_reports" ("id" varchar(255) not null, "reported_by" varchar(80) not null, "body" jsonb not null, "received_at" timestamptz not null, constraint "edge_metric_reports_pkey" primary key ("id"));`,
    );
    this.addSql(
      `create index "edge_metric_reports_reported_by_received_at_index" on "edge_metric_reports" ("reported_by", "received_at");`,
    );
    this.addSql(`alter table "hubs" add column "latency_samples" jsonb not null default '[]';`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "hubs" drop column "latency_samples";`);
    this.addSql(`drop table if exists "edge_metric_reports" cascade;`);
    this.addSql(`drop table if exists "detector_groups" cascade;`);
    this.addSql(`drop table if exists "notes" cascade;`);
  }
}
