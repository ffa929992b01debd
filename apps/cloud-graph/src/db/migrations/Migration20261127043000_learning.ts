import { Migration } from '@mikro-orm/migrations';

/** Training-job queue and per-image feature cache (modules/learning). Generated from the entities. */
export class Migration20261127043000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "image_features" ("id" varchar(120) not null, "image_query_id" varchar(80) not null, "backbone_sha256" varchar(64) not null, "dim" int not null, "features" bytea not null, "created_at" timestamptz not null, constraint "image_features_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "image_features_image_query_id_index" on "image_features" ("image_query_id");`);
    this.addSql(
      `create table "training_jobs" ("id" varchar(255) not null, "detector_id" varchar(255) not null, "state" varchar(10) not null, "trigger" varchar(40) not null, "outcome" varchar(10) null, "attempts" int not null default 0, "max_attempts" int not null default 3, "lease_owner" varchar(120) null, "lease_expires_at" timestamptz null, "run_after" timestamptz not null, "progress" double precision not null default 0, "stage" varchar(40) null, "log" jsonb not null, "label_count" int null, "labels_snapshot_at" timestamptz null, "result" jsonb null, "error" text null, "created_at" timestamptz not null, "started_at" timestamptz null, "finished_at" timestamptz null, constraint "training_jobs_pkey" primary key ("id"));`,
    );
    this.addSql(
      `create index "training_jobs_state_run_after_index" on "training_jobs" ("state", "run_after");`,
    );
    this.addSql(
      `create index "training_jobs_detector_id_created_at_index" on "training_jobs" ("detector_id", "created_at");`,
    );
    this.addSql(
      `create unique index "training_jobs_one_active_per_detector" on "training_jobs" ("detector_id") where state in ('QUEUED', 'RUNNING');`,
    );
    this.addSql(
      `alter table "image_features" add constraint "image_features_image_query_id_foreign" foreign key ("image_query_id") references "image_queries" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(
      `alter table "training_jobs" add constraint "training_jobs_detector_id_foreign" foreign key ("detector_id") references "detectors" ("id") on update cascade on delete cascade;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "training_jobs" cascade;`);
    this.addSql(`drop table if exists "image_features" cascade;`);
  }
}
