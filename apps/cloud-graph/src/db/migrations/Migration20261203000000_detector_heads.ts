import { Migration } from '@mikro-orm/migrations';

/**
 * Per-detector learning choices (Phase 2): which head answers (`reasoning`: linear | recursive | auto) and who
 * decides escalations (`escalation_policy`: threshold | learned; null = learned when it wins on held-out data).
 */
export class Migration20261203000000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `alter table "detectors" add column "reasoning" text check ("reasoning" in ('linear', 'recursive', 'auto')) not null default 'linear';`,
    );
    this.addSql(
      `alter table "detectors" add column "escalation_policy" text check ("escalation_policy" in ('threshold', 'learned')) null;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "detectors" drop column "escalation_policy";`);
    this.addSql(`alter table "detectors" drop column "reasoning";`);
  }
}
