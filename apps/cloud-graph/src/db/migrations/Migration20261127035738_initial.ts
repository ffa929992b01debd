import { Migration } from '@mikro-orm/migrations';

export class Migration20261127035738 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "detectors" ("id" varchar(255) not null, "name" varchar(200) not null, "query" varchar(300) not null, "group_name" varchar(100) not null, "mode" varchar(20) not null, "mode_configuration" jsonb null, "confidence_threshold" double precision not null, "patience_time" double precision not null, "status" text check ("status" in ('ON', 'OFF')) not null, "escalation_type" text check ("escalation_type" in ('STANDARD', 'NO_HUMAN_LABELING')) not null, "metadata" jsonb null, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "detectors_pkey" primary key ("id"));`,
    );
    this.addSql(`alter table "detectors" add constraint "detectors_name_unique" unique ("name");`);

    this.addSql(
      `create table "hubs" ("id" varchar(255) not null, "name" varchar(200) not null, "token_hash" varchar(64) not null, "token_snippet" varchar(20) not null, "created_at" timestamptz not null, "last_heartbeat_at" timestamptz null, "served_detectors" jsonb not null, "counters" jsonb not null, constraint "hubs_pkey" primary key ("id"));`,
    );
    this.addSql(`alter table "hubs" add constraint "hubs_name_unique" unique ("name");`);
    this.addSql(`alter table "hubs" add constraint "hubs_token_hash_unique" unique ("token_hash");`);

    this.addSql(
      `create table "image_queries" ("id" varchar(80) not null, "detector_id" varchar(255) not null, "query" varchar(300) not null, "result_type" varchar(40) not null, "result" jsonb null, "source" varchar(40) null, "answered" boolean not null default false, "rois" jsonb null, "text" text null, "patience_time" double precision not null, "confidence_threshold" double precision not null, "human_review" varchar(10) not null default 'DEFAULT', "inspection_id" varchar(200) null, "metadata" jsonb null, "image_key" varchar(300) not null, "image_mime" varchar(40) not null, "image_bytes" int not null, "done_processing" boolean not null default false, "submitted_by" varchar(80) not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "image_queries_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "image_queries_source_index" on "image_queries" ("source");`);
    this.addSql(
      `create index "image_queries_detector_id_created_at_index" on "image_queries" ("detector_id", "created_at");`,
    );
    this.addSql(`create index "image_queries_created_at_id_index" on "image_queries" ("created_at", "id");`);

    this.addSql(
      `create table "escalations" ("id" varchar(255) not null, "image_query_id" varchar(80) not null, "detector_id" varchar(255) not null, "state" varchar(10) not null, "reason" varchar(60) not null, "edge_result" jsonb null, "created_at" timestamptz not null, "deadline_at" timestamptz not null, "claimed_by" varchar(80) null, "claim_expires_at" timestamptz null, "resolved_at" timestamptz null, "resolved_by" varchar(80) null, constraint "escalations_pkey" primary key ("id"));`,
    );
    this.addSql(
      `alter table "escalations" add constraint "escalations_image_query_id_unique" unique ("image_query_id");`,
    );
    this.addSql(
      `create index "escalations_state_deadline_at_index" on "escalations" ("state", "deadline_at");`,
    );
    this.addSql(
      `create index "escalations_detector_id_state_index" on "escalations" ("detector_id", "state");`,
    );

    this.addSql(
      `create table "labels" ("id" varchar(255) not null, "image_query_id" varchar(80) not null, "label" text not null, "rois" jsonb null, "source" varchar(40) not null, "confidence" double precision not null, "labeled_by" varchar(80) not null, "created_at" timestamptz not null, constraint "labels_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "labels_image_query_id_index" on "labels" ("image_query_id");`);

    this.addSql(
      `create table "model_versions" ("id" varchar(255) not null, "detector_id" varchar(255) not null, "kind" varchar(10) not null, "number" int not null, "sha256" varchar(64) not null, "size_bytes" int not null, "blob_key" varchar(300) not null, "metrics" jsonb not null, "state" varchar(10) not null, "created_at" timestamptz not null, "published_at" timestamptz null, "retired_at" timestamptz null, constraint "model_versions_pkey" primary key ("id"));`,
    );
    this.addSql(
      `create index "model_versions_detector_id_kind_state_index" on "model_versions" ("detector_id", "kind", "state");`,
    );
    this.addSql(
      `alter table "model_versions" add constraint "model_versions_detector_id_kind_number_unique" unique ("detector_id", "kind", "number");`,
    );

    this.addSql(
      `create table "users" ("id" varchar(255) not null, "username" varchar(200) not null, "email" varchar(320) not null, "role" text check ("role" in ('ADMIN', 'REVIEWER')) not null, "created_at" timestamptz not null, constraint "users_pkey" primary key ("id"));`,
    );
    this.addSql(`alter table "users" add constraint "users_username_unique" unique ("username");`);

    this.addSql(
      `create table "api_tokens" ("id" varchar(255) not null, "user_id" varchar(255) not null, "name" varchar(200) not null, "token_hash" varchar(64) not null, "snippet" varchar(20) not null, "created_at" timestamptz not null, "last_used_at" timestamptz null, constraint "api_tokens_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "api_tokens_user_id_index" on "api_tokens" ("user_id");`);
    this.addSql(
      `alter table "api_tokens" add constraint "api_tokens_token_hash_unique" unique ("token_hash");`,
    );
    this.addSql(`create index "api_tokens_snippet_index" on "api_tokens" ("snippet");`);

    this.addSql(
      `alter table "image_queries" add constraint "image_queries_detector_id_foreign" foreign key ("detector_id") references "detectors" ("id") on update cascade on delete cascade;`,
    );

    this.addSql(
      `alter table "escalations" add constraint "escalations_image_query_id_foreign" foreign key ("image_query_id") references "image_queries" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(
      `alter table "escalations" add constraint "escalations_detector_id_foreign" foreign key ("detector_id") references "detectors" ("id") on update cascade on delete cascade;`,
    );

    this.addSql(
      `alter table "labels" add constraint "labels_image_query_id_foreign" foreign key ("image_query_id") references "image_queries" ("id") on update cascade on delete cascade;`,
    );

    this.addSql(
      `alter table "model_versions" add constraint "model_versions_detector_id_foreign" foreign key ("detector_id") references "detectors" ("id") on update cascade on delete cascade;`,
    );

    this.addSql(
      `alter table "api_tokens" add constraint "api_tokens_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "image_queries" drop constraint "image_queries_detector_id_foreign";`);

    this.addSql(`alter table "escalations" drop constraint "escalations_detector_id_foreign";`);

    this.addSql(`alter table "model_versions" drop constraint "model_versions_detector_id_foreign";`);

    this.addSql(`alter table "escalations" drop constraint "escalations_image_query_id_foreign";`);

    this.addSql(`alter table "labels" drop constraint "labels_image_query_id_foreign";`);

    this.addSql(`alter table "api_tokens" drop constraint "api_tokens_user_id_foreign";`);

    this.addSql(`drop table if exists "detectors" cascade;`);

    this.addSql(`drop table if exists "hubs" cascade;`);

    this.addSql(`drop table if exists "image_queries" cascade;`);

    this.addSql(`drop table if exists "escalations" cascade;`);

    this.addSql(`drop table if exists "labels" cascade;`);

    this.addSql(`drop table if exists "model_versions" cascade;`);

    this.addSql(`drop table if exists "users" cascade;`);

    this.addSql(`drop table if exists "api_tokens" cascade;`);
  }
}
