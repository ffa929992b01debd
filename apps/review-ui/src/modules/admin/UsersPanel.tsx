/** Users and their API tokens: create a user, issue a token (shown once), revoke it, disable the user. */
import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from '@apollo/client/react';
import {
  AdminCreateTokenDocument,
  AdminCreateUserDocument,
  AdminRevokeTokenDocument,
  AdminSetUserDisabledDocument,
  AdminTokensDocument,
  AdminUsersDocument,
  type AdminUserFragment,
  type UserRole,
} from '../../gql/graphql';
import { Chip } from '../../ui/Chip';
import { Field } from '../../ui/Field';
import { relativeTime, shortTime } from '../../ui/format';
import { ErrorState, Loading } from '../../ui/States';
import { Table } from '../../ui/Table';
import { ActionMessage, payloadProblem, useAction } from '../../ui/useAction';
import { useNow } from '../../ui/useNow';
import { tokenStatus } from './admin-logic';
import { SecretOnce } from './SecretOnce';

export function UsersPanel() {
  const { data, loading, error, refetch } = useQuery(AdminUsersDocument);
  const [createUser] = useMutation(AdminCreateUserDocument);
  const [username, setUsername] = useState('');
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<UserRole>('REVIEWER');
  const [openId, setOpenId] = useState<string | null>(null);
  const { message, run } = useAction();

  const submit = (e: FormEvent) => {
    e.preventDefault();
    return run(async () => {
      const { data: r } = await createUser({ variables: { input: { username, email, role } } });
      const p = r?.createUser;
      if (!p?.ok) return payloadProblem(p, 'The user was not created.');
      setUsername('');
      setEmail('');
      setOpenId(p.user?.id ?? null);
      await refetch();
      return null;
    });
  };

  if (loading && !data) return <Loading what="users" />;
  if (error && !data)
    return <ErrorState title="Users did not load" error={error} onRetry={() => void refetch()} />;
  return (
    <>
      <form className="card form-grid" onSubmit={(e) => void submit(e)} aria-label="New user">
        <Field htmlFor="u-username" label="Username">
          <input id="u-username" value={username} onChange={(e) => setUsername(e.target.value)} required />
        </Field>
        <Field htmlFor="u-email" label="Email">
          <input
            id="u-email"
            type="email"
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            required
          />
        </Field>
        <Field htmlFor="u-role" label="Role">
          <select id="u-role" value={role} onChange={(e) => setRole(e.target.value as UserRole)}>
            <option value="REVIEWER">REVIEWER</option>
            <option value="ADMIN">ADMIN</option>
          </select>
        </Field>
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={!username.trim() || !email.trim()}>
            Create user
          </button>
          <ActionMessage message={message} />
        </div>
      </form>
      <div className="table-wrap card">
        <Table testId="users-table" columns={['User', 'Role', 'Status', '']}>
          {(data?.users ?? []).map((u) => (
            <UserRow
              key={u.id}
              user={u}
              open={openId === u.id}
              onToggle={() => setOpenId(openId === u.id ? null : u.id)}
            />
          ))}
        </Table>
      </div>
    </>
  );
}

function UserRow({ user, open, onToggle }: { user: AdminUserFragment; open: boolean; onToggle: () => void }) {
  const [setDisabled] = useMutation(AdminSetUserDisabledDocument);
  const { message: error, run } = useAction();
  const toggleDisabled = () =>
    run(async () => {
      const { data } = await setDisabled({ variables: { id: user.id, disabled: !user.disabledAt } });
      return payloadProblem(data?.setUserDisabled, 'Not changed.');
    });
  return (
    <>
      <tr data-testid={`user-${user.username}`}>
        <td>
          <strong>{user.username}</strong> <span className="muted small">{user.email}</span>
        </td>
        <td>
          <Chip>{user.role}</Chip>
        </td>
        <td>
          <Chip tone={user.disabledAt ? 'bad' : 'good'}>{user.disabledAt ? 'disabled' : 'active'}</Chip>
          {error ? <span className="field-error">{error}</span> : null}
        </td>
        <td className="nowrap">
          <button type="button" className="btn btn-small" onClick={onToggle} aria-expanded={open}>
            Tokens
          </button>{' '}
          <button type="button" className="btn btn-small" onClick={() => void toggleDisabled()}>
            {user.disabledAt ? 'Enable' : 'Disable'}
          </button>
        </td>
      </tr>
      {open ? (
        <tr>
          <td colSpan={4}>
            <Tokens userId={user.id} />
          </td>
        </tr>
      ) : null}
    </>
  );
}

function Tokens({ userId }: { userId: string }) {
  const { data, loading, error, refetch } = useQuery(AdminTokensDocument, { variables: { userId } });
  const [createToken] = useMutation(AdminCreateTokenDocument);
  const [revoke] = useMutation(AdminRevokeTokenDocument);
  const [name, setName] = useState('');
  const [days, setDays] = useState('');
  const [secret, setSecret] = useState<string | null>(null);
  const { message, run } = useAction();
  const now = useNow(30_000);

  const issue = (e: FormEvent) => {
    e.preventDefault();
    return run(async () => {
      const { data: r } = await createToken({
        variables: { name, userId, expiresInDays: days.trim() === '' ? null : Number(days) },
      });
      const p = r?.createApiToken;
      if (!p?.ok || !p.token) return p?.error?.message ?? 'No token was issued.';
      setSecret(p.token);
      setName('');
      await refetch();
      return null;
    });
  };
  const doRevoke = (id: string) =>
    run(async () => {
      const { data: r } = await revoke({ variables: { id } });
      await refetch();
      return payloadProblem(r?.revokeApiToken, 'Not revoked.');
    });

  return (
    <div className="tokens" data-testid="tokens">
      {secret ? <SecretOnce what="API token" secret={secret} onDone={() => setSecret(null)} /> : null}
      <form className="inline-form" onSubmit={(e) => void issue(e)} aria-label="Issue a token">
        <input
          aria-label="Token name"
          placeholder="token name (e.g. laptop)"
          value={name}
          onChange={(e) => setName(e.target.value)}
        />
        <input
          aria-label="Expires in days"
          placeholder="days (default; 0 = never)"
          inputMode="numeric"
          value={days}
          onChange={(e) => setDays(e.target.value.replace(/\D/g, ''))}
        />
        <button type="submit" className="btn btn-small btn-primary" disabled={!name.trim()}>
          Issue token
        </button>
        <ActionMessage message={message} />
      </form>
      {loading && !data ? (
        <Loading what="tokens" />
      ) : error && !data ? (
        <ErrorState title="Tokens did not load" error={error} />
      ) : (data?.apiTokens ?? []).length === 0 ? (
        <p className="muted small">No tokens yet.</p>
      ) : (
        <ul className="token-list">
          {data?.apiTokens.map((t) => {
            const status = tokenStatus(t, now);
            return (
              <li key={t.id} data-testid="token-row">
                <span className="mono">{t.snippet}…</span> <strong>{t.name}</strong>{' '}
                <Chip tone={status === 'active' ? 'good' : 'bad'}>{status}</Chip>{' '}
                <span className="muted small" title={shortTime(t.lastUsedAt)}>
                  used {relativeTime(t.lastUsedAt, now)} · expires{' '}
                  {t.expiresAt ? shortTime(t.expiresAt) : 'never'}
                </span>{' '}
                {status === 'active' ? (
                  <button type="button" className="btn btn-small" onClick={() => void doRevoke(t.id)}>
                    Revoke
                  </button>
                ) : null}
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}
