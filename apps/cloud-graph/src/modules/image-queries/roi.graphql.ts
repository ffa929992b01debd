import type { Roi } from '@intellioptics/schema';
import { builder } from '../../graphql/builder';

export const RoiRef = builder.objectRef<Roi>('Roi').implement({
  fields: (t) => ({
    label: t.exposeString('label'),
    score: t.exposeFloat('score'),
    left: t.float({ resolve: (r) => r.geometry.left }),
    top: t.float({ resolve: (r) => r.geometry.top }),
    right: t.float({ resolve: (r) => r.geometry.right }),
    bottom: t.float({ resolve: (r) => r.geometry.bottom }),
  }),
});
