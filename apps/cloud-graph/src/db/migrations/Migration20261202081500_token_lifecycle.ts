import { Migration } from '@mikro-orm/migrations';

/** API tokens expire and can be revoked; users can be disabled (their tokens stop working). */
export class Migration20261202081500 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `alter table "api_tokens" add column "expires_at" timestamptz null, add column "revoked_at" timestamptz null;`,
    );
    this.addSql(`alter table "users" add column "disabled_at" timestamptz null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "api_tokens" drop column "expires_at", drop column "revoked_at";`);
    this.addSql(`alter table "users" drop column "disabled_at";`);
  }
}
