/**
 * Claim on open, renew while open, release on leave. The item shown is claimed at once (a lease of the
 * cloud's ESCALATION_LEASE_SECONDS); at half-life the claim is renewed; switching items, leaving the page or
 * closing the tab releases it (the tab close with a keepalive POST). When someone else holds the item, the
 * claim fails with ESCALATION_CLAIMED and `onLost` moves the reviewer on.
 */
import { useEffect, useRef, useState } from 'react';
import { print } from 'graphql';
import { useApolloClient } from '@apollo/client/react';
import { postGraphQL } from '../../apollo/client';
import {
  ClaimEscalationDocument,
  ReleaseEscalationDocument,
  type LeaseFieldsFragment,
} from '../../gql/graphql';

export type Lease =
  | { status: 'none' }
  | { status: 'claiming'; id: string }
  | { status: 'held'; id: string; expiresAt: string | null }
  | { status: 'lost'; id: string; message: string; code: string }
  | { status: 'error'; id: string; message: string };

const RELEASE_SOURCE = print(ReleaseEscalationDocument);

export function useLease(
  id: string | null,
  token: string,
  callbacks: {
    onLost: (id: string, code: string) => void;
    onClaimed: (escalation: NonNullable<LeaseFieldsFragment['escalation']>) => void;
  },
): { lease: Lease; forget: (id: string) => void } {
  const client = useApolloClient();
  const [lease, setLease] = useState<Lease>({ status: 'none' });
  const cb = useRef(callbacks);
  cb.current = callbacks;
  // Ids that were labelled or skipped: nothing left to release.
  const finished = useRef(new Set<string>());

  useEffect(() => {
    if (!id) {
      setLease({ status: 'none' });
      return;
    }
    let active = true;
    let timer: number | undefined;
    setLease({ status: 'claiming', id });

    const claim = async (): Promise<void> => {
      try {
        const { data } = await client.mutate({ mutation: ClaimEscalationDocument, variables: { id } });
        if (!active) return;
        const payload = data?.claimEscalation;
        if (payload?.ok && payload.escalation) {
          const expiresAt = payload.escalation.claimExpiresAt;
          setLease({ status: 'held', id, expiresAt });
          cb.current.onClaimed(payload.escalation);
          const ms = expiresAt ? Date.parse(expiresAt) - Date.now() : 30_000;
          timer = window.setTimeout(() => void claim(), Math.max(2_000, ms / 2));
        } else {
          const code = payload?.error?.code ?? 'UNKNOWN';
          const message = payload?.error?.message ?? 'The claim failed.';
          setLease({ status: 'lost', id, code, message });
          cb.current.onLost(id, code);
        }
      } catch (e) {
        if (!active) return;
        setLease({ status: 'error', id, message: e instanceof Error ? e.message : String(e) });
        timer = window.setTimeout(() => void claim(), 5_000);
      }
    };
    void claim();

    const onPageHide = () => {
      if (!finished.current.has(id)) void postGraphQL(token, RELEASE_SOURCE, { id }, true);
    };
    window.addEventListener('pagehide', onPageHide);
    return () => {
      active = false;
      window.clearTimeout(timer);
      window.removeEventListener('pagehide', onPageHide);
      if (!finished.current.has(id)) {
        client.mutate({ mutation: ReleaseEscalationDocument, variables: { id } }).catch(() => {
          // The lease lapses on its own (ESCALATION_LEASE_SECONDS).
        });
      }
    };
  }, [id, client, token]);

  return {
    lease,
    forget: (doneId: string) => {
      finished.current.add(doneId);
    },
  };
}
