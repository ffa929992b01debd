import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261127035738 } from './Migration20261127035738_initial';
import { Migration20261127043000 } from './Migration20261127043000_learning';
import { Migration20261202081500 } from './Migration20261202081500_token_lifecycle';
import { Migration20261202083000 } from './Migration20261202083000_hub_detectors';
import { Migration20261202140000 } from './Migration20261202140000_parity';
import { Migration20261202200000 } from './Migration20261202200000_explanations';
import { Migration20261202200300 } from './Migration20261202200300_compound';
import { Migration20261202200400 } from './Migration20261202200400_alert_rules';
import { Migration20261202201700 } from './Migration20261202201700_hub_dead_letters';
import { Migration20261203000000 } from './Migration20261203000000_detector_heads';
import { Migration20261203080000 } from './Migration20261203080000_hub_cameras';

/** Committed migrations, oldest first. Add each new migration class here (generated with tools or by hand). */
export const migrationsList: MigrationObject[] = [
  { name: 'Migration20261127035738_initial', class: Migration20261127035738 },
  { name: 'Migration20261127043000_learning', class: Migration20261127043000 },
  { name: 'Migration20261202081500_token_lifecycle', class: Migration20261202081500 },
  { name: 'Migration20261202083000_hub_detectors', class: Migration20261202083000 },
  { name: 'Migration20261202140000_parity', class: Migration20261202140000 },
  { name: 'Migration20261202200000_explanations', class: Migration20261202200000 },
  { name: 'Migration20261202200300_compound', class: Migration20261202200300 },
  { name: 'Migration20261202200400_alert_rules', class: Migration20261202200400 },
  { name: 'Migration20261202201700_hub_dead_letters', class: Migration20261202201700 },
  { name: 'Migration20261203000000_detector_heads', class: Migration20261203000000 },
  { name: 'Migration20261203080000_hub_cameras', class: Migration20261203080000 },
];
