import { Migration } from '@mikro-orm/migrations';

/** The cameras each edge reports in its heartbeat (latest frame, local zones) and the zones drawn on them. */
export class Migration20261203080000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "hub_cameras" ("id" varchar(40) not null, "hub_id" varchar(255) not null, "name" varchar(200) not null, "detector_ids" jsonb not null, "local_zones" jsonb not null, "zones" jsonb not null, "zones_updated_at" timestamptz null, "zones_updated_by" varchar(80) null, "frame" bytea null, "frame_width" int null, "frame_height" int null, "frame_at" timestamptz null, "reported_at" timestamptz not null, constraint "hub_cameras_pkey" primary key ("id"));`,
    );
    this.addSql(
      `alter table "hub_cameras" add constraint "hub_cameras_hub_id_name_unique" unique ("hub_id", "name");`,
    );
    this.addSql(
      `alter table "hub_cameras" add constraint "hub_cameras_hub_id_foreign" foreign key ("hub_id") references "hubs" ("id") on update cascade on delete cascade;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "hub_cameras" cascade;`);
  }
}
