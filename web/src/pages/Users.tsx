// /dashboard/users (admins): every user, a new one, and one user's page
// (/dashboard/users?user=NAME): role, disable/enable, a password reset,
// their usage, their tokens, deletion. What the server refuses (the last
// active admin; an admin's own account) is shown as it says it. A write
// reloads the user in place (useLoad keeps what is shown), then says so
// and moves focus to what it says.
import { useEffect, useState } from 'preact/hooks';
import {
  fieldError, fieldMessage, formatCost, formatCount, isNoSuchUser, usagePath, usageWindows, USERNAME_PATTERN,
  validateNewUser, validatePassword, type List, type NewUserField, type UsageReport, type User,
} from '../accounts';
import { api, ApiError, type Role } from '../api';
import {
  Alert, ConfirmDialog, Empty, errorText, Field, Link, Loading, PageTitle, SelectField,
} from '../components';
import { useFocusLater } from '../focus';
import { navigate, useLocation } from '../navigation';
import { useSession } from '../session';
import { isBusy, useLoad } from '../useLoad';
import { hasErrors, type FieldErrors } from '../validation';
import { TokenManager, When } from './Tokens';
import './people.css';

const ROLE_OPTIONS = [
  { value: 'user', label: 'User: the gateway’s models and their own namespace' },
  { value: 'admin', label: 'Administrator: everything, other users included' },
] as const;

const userPath = (name: string) => `/api/admin/users/${encodeURIComponent(name)}`;
const userPage = (name: string) => `/users?user=${encodeURIComponent(name)}`;

function RoleBadge(props: { role: Role }) {
  return props.role === 'admin'
    ? <span class="badge badge-accent">Administrator</span>
    : <span class="badge badge-neutral">User</span>;
}

function StatusBadges(props: { user: User }) {
  return (
    <span class="badges">
      {props.user.active ? <span class="badge badge-ok">Active</span> : <span class="badge badge-warn">Disabled</span>}
      {props.user.must_change_password && <span class="badge badge-neutral">Must change password</span>}
    </span>
  );
}

// --- the list and the new-user form

const NEW_USER_FIELDS: readonly NewUserField[] = ['username', 'role', 'password'];

function NewUserForm(props: { onCreated: (u: User) => void }) {
  const session = useSession();
  const [values, setValues] = useState({ username: '', role: 'user', password: '' });
  const [errors, setErrors] = useState<FieldErrors<NewUserField>>({});
  const [failure, setFailure] = useState('');
  const [busy, setBusy] = useState(false);

  const set = (field: NewUserField) => (value: string) => {
    setValues((v) => ({ ...v, [field]: value }));
    if (errors[field]) setErrors((e) => ({ ...e, [field]: undefined }));
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    const found = validateNewUser(values);
    setErrors(found);
    setFailure('');
    if (hasErrors(found)) {
      document.getElementById(`new-user-${NEW_USER_FIELDS.find((f) => found[f]) ?? 'username'}`)?.focus();
      return;
    }
    setBusy(true);
    try {
      const user = await api<User>('POST', '/api/admin/users', {
        username: values.username.trim(), role: values.role, password: values.password,
      });
      setValues({ username: '', role: 'user', password: '' });
      props.onCreated(user);
    } catch (err) {
      if (session.intercept(err)) return;
      const onField = fieldError(err, NEW_USER_FIELDS, 'username');
      if (onField) {
        setErrors({ [onField.field]: onField.message });
        document.getElementById(`new-user-${onField.field}`)?.focus();
      } else setFailure(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="form-card" onSubmit={submit} noValidate>
      {failure && <Alert>The user could not be created: {failure}</Alert>}
      <Field id="new-user-username" label="Username" value={values.username} error={errors.username}
        autocomplete="off" hint="Lower-case letters, digits and . _ -" onInput={set('username')} />
      <SelectField id="new-user-role" label="Role" value={values.role} options={ROLE_OPTIONS} error={errors.role}
        onChange={set('role')} />
      <Field id="new-user-password" label="Initial password" type="password" value={values.password}
        error={errors.password} autocomplete="new-password"
        hint="At least 8 characters. Give it to them: they choose their own at their first sign-in."
        onInput={set('password')} />
      <div class="actions">
        <button type="submit" class="button button-primary" disabled={busy}>{busy ? 'Creating…' : 'Create user'}</button>
      </div>
    </form>
  );
}

// ?deleted=NAME (set by a deletion) is said once: the parameter leaves the
// address at once, so that going back or reloading does not say it again.
function useOnceParam(name: string, value: string | null): string | null {
  const [kept] = useState(value);
  useEffect(() => {
    if (value === null) return;
    const url = new URL(location.href);
    url.searchParams.delete(name);
    history.replaceState(history.state, '', `${url.pathname}${url.search}${url.hash}`);
  }, []);
  return kept;
}

function UserList(props: { deleted: string | null }) {
  const { me } = useSession();
  const [load, reload] = useLoad(() => api<List<User>>('GET', '/api/admin/users'));
  const [created, setCreated] = useState<string | null>(null);
  const deleted = useOnceParam('deleted', props.deleted);
  const users = load.state === 'ready' ? [...load.data.data].sort((a, b) => a.username.localeCompare(b.username)) : [];
  return (
    <>
      <div class="page-head">
        <PageTitle>Users</PageTitle>
        <button type="button" class="button" onClick={reload} disabled={isBusy(load)}>Refresh</button>
      </div>
      <p class="lead">Who may use the gateway and the dashboard, their role, their API tokens and their usage.</p>
      {deleted && <Alert kind="success">Deleted the user {deleted}, their tokens and their namespace.</Alert>}
      {created && (
        <Alert kind="success">
          Created {created}. <Link to={userPage(created)}>Open {created}’s page</Link> to give them an API token.
        </Alert>
      )}
      <section class="card" aria-labelledby="users-title" aria-busy={isBusy(load)}>
        <h2 id="users-title">All users</h2>
        {load.state === 'loading' && <Loading label="Loading the users…" />}
        {load.state === 'error' && <Alert>The users could not be loaded: {load.message}</Alert>}
        {load.state === 'ready' && users.length === 0 && <Empty title="No users">Create the first one below.</Empty>}
        {users.length > 0 && (
          <div class="table-wrap">
            <table class="table stack-table">
              <caption class="visually-hidden">Users</caption>
              <thead>
                <tr>
                  <th scope="col">Username</th>
                  <th scope="col">Role</th>
                  <th scope="col">Status</th>
                  <th scope="col">Created</th>
                  <th scope="col">Last sign-in</th>
                </tr>
              </thead>
              <tbody>
                {users.map((u) => (
                  <tr key={u.username}>
                    <th scope="row">
                      <Link to={userPage(u.username)} class="cell-title">{u.username}</Link>
                      {u.username === me.user && <span class="cell-sub">you</span>}
                    </th>
                    <td data-label="Role"><RoleBadge role={u.role} /></td>
                    <td data-label="Status"><StatusBadges user={u} /></td>
                    <td data-label="Created"><When at={u.created} never="Unknown" /></td>
                    <td data-label="Last sign-in"><When at={u.last_login} /></td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <section class="card" aria-labelledby="new-user-title">
        <h2 id="new-user-title">New user</h2>
        <NewUserForm onCreated={(u) => { setCreated(u.username); reload(); }} />
      </section>
    </>
  );
}

// --- one user

function Usage(props: { username: string }) {
  const windows = usageWindows(Date.now());
  const [load, reload] = useLoad(() => Promise.all(windows.map((w) => api<UsageReport>('GET', usagePath(props.username, w)))));
  return (
    <section class="card" aria-labelledby="usage-title">
      <div class="section-head">
        <h2 id="usage-title">Usage</h2>
        <button type="button" class="button button-small" onClick={reload} disabled={isBusy(load)}>Refresh</button>
      </div>
      {load.state === 'loading' && <Loading label="Loading the usage…" />}
      {load.state === 'error' && <Alert>The usage could not be loaded: {load.message}</Alert>}
      {load.state === 'ready' && (
        <div class="usage-grid">
          {windows.map((w, i) => {
            const t = load.data[i].totals;
            return (
              <div class="usage-window" key={w.id}>
                <h3>{w.label}</h3>
                <dl class="facts facts-grid">
                  <div><dt>Requests</dt><dd>{formatCount(t.requests)}</dd></div>
                  <div><dt>Tokens in</dt><dd>{formatCount(t.prompt_tokens)}</dd></div>
                  <div><dt>Tokens out</dt><dd>{formatCount(t.completion_tokens)}</dd></div>
                  <div>
                    <dt>Cost</dt>
                    <dd>
                      {formatCost(t.cost)}
                      {t.cost !== null && t.unpriced_requests > 0 && (
                        <span class="cell-sub">+ {formatCount(t.unpriced_requests)} unpriced</span>
                      )}
                    </dd>
                  </div>
                </dl>
              </div>
            );
          })}
        </div>
      )}
    </section>
  );
}

type Ask = null | 'role' | 'disable' | 'password' | 'delete';

const MESSAGE_ID = 'user-message';

function NoSuchUser(props: { username: string }) {
  return (
    <>
      <Link to="/users" class="back-link">← All users</Link>
      <PageTitle>{props.username}</PageTitle>
      <Alert>There is no user named {props.username}.</Alert>
    </>
  );
}

function UserDetail(props: { username: string }) {
  const session = useSession();
  const focusLater = useFocusLater();
  const self = session.me.user === props.username;
  const [load, reload] = useLoad(() => api<User>('GET', userPath(props.username)));
  const [role, setRole] = useState<Role | ''>('');
  const [password, setPassword] = useState('');
  const [passwordError, setPasswordError] = useState('');
  const [ask, setAsk] = useState<Ask>(null);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ kind: 'success' | 'error'; text: string } | null>(null);

  const back = <Link to="/users" class="back-link">← All users</Link>;
  // Only the first load shows this: a reload after a write keeps the page
  // (and the token shown once, the focused control) in place.
  if (load.state === 'loading') return <>{back}<PageTitle>{props.username}</PageTitle><Loading label="Loading the user…" /></>;
  if (load.state === 'error') {
    if (isNoSuchUser(load.error)) return <NoSuchUser username={props.username} />;
    return (
      <>
        {back}
        <PageTitle>{props.username}</PageTitle>
        <Alert>The user could not be loaded: {load.message}</Alert>
      </>
    );
  }
  const user = load.data;
  const chosenRole: Role = role || user.role;

  // One write; the server's refusal (its message: the last admin, one's own
  // account…) shown as it gives it. Done is said once the page shows the
  // user as the write left them; focus goes to what is said (the button
  // that opened the dialog may be gone: Disable becomes Enable).
  const write = async (what: () => Promise<unknown>, done: string, after?: () => void) => {
    setBusy(true);
    setMessage(null);
    try {
      await what();
      await reload();
      after?.();
      setMessage({ kind: 'success', text: done });
      focusLater(MESSAGE_ID);
    } catch (err) {
      if (session.intercept(err)) return;
      if (err instanceof ApiError && err.param === 'password') {
        setPasswordError(fieldMessage(err.message));
        focusLater('reset-password');
      } else {
        setMessage({ kind: 'error', text: `The server refused: ${errorText(err)}` });
        focusLater(MESSAGE_ID);
      }
    } finally {
      setBusy(false);
      setAsk(null);
    }
  };

  const patch = (body: object) => () => api<User>('PATCH', userPath(user.username), body);
  const askPassword = (e: Event) => {
    e.preventDefault();
    const problem = validatePassword(password, 'Choose the new password.');
    setPasswordError(problem ?? '');
    if (problem) document.getElementById('reset-password')?.focus();
    else setAsk('password');
  };
  const remove = async () => {
    setBusy(true);
    try {
      await api('DELETE', userPath(user.username));
      navigate(`/users?deleted=${encodeURIComponent(user.username)}`);
    } catch (err) {
      if (!session.intercept(err)) {
        setMessage({ kind: 'error', text: `The server refused: ${errorText(err)}` });
        focusLater(MESSAGE_ID);
      }
      setBusy(false);
      setAsk(null);
    }
  };
  const selfNote = self ? 'This is your own account: another administrator can change it, so that you cannot lock yourself out.' : undefined;

  return (
    <>
      {back}
      <div class="page-head">
        <PageTitle>{user.username}</PageTitle>
        <span class="badges"><RoleBadge role={user.role} /><StatusBadges user={user} /></span>
      </div>
      <dl class="facts facts-grid user-facts">
        <div><dt>Created</dt><dd><When at={user.created} never="Unknown" /></dd></div>
        <div><dt>Last sign-in</dt><dd><When at={user.last_login} /></dd></div>
        <div><dt>Private endpoints</dt><dd>{user.allow_private_endpoints ? 'Allowed' : 'Not allowed'}</dd></div>
      </dl>
      {message && <div id={MESSAGE_ID} tabIndex={-1}><Alert kind={message.kind}>{message.text}</Alert></div>}

      <section class="card" aria-labelledby="access-title">
        <h2 id="access-title">Role and access</h2>
        {selfNote && <p class="muted small">{selfNote}</p>}
        <div class="inline-form">
          <SelectField id="user-role" label="Role" value={chosenRole} options={ROLE_OPTIONS}
            onChange={(v) => setRole(v as Role)} />
          <button type="button" class="button" disabled={busy || self || chosenRole === user.role}
            onClick={() => setAsk('role')}>Save role</button>
        </div>
        <div class="actions">
          {user.active ? (
            <button type="button" class="button button-danger" disabled={busy || self} onClick={() => setAsk('disable')}>
              Disable account…
            </button>
          ) : (
            <button type="button" class="button button-primary" disabled={busy}
              onClick={() => write(patch({ active: true }), `${user.username} may sign in and use their tokens again.`)}>
              Enable account
            </button>
          )}
        </div>
      </section>

      <section class="card" aria-labelledby="reset-title">
        <h2 id="reset-title">Reset the password</h2>
        {self ? (
          <p>
            Your own password you change with your current one: <Link to="/change-password">Change password</Link>.
          </p>
        ) : (
          <form class="inline-form" onSubmit={askPassword} noValidate>
            <Field id="reset-password" label="New password" type="password" value={password}
              error={passwordError || undefined} autocomplete="new-password"
              hint="They must change it at their next sign-in; their sessions end now."
              onInput={(v) => { setPassword(v); setPasswordError(''); }} />
            <button type="submit" class="button" disabled={busy}>Reset password…</button>
          </form>
        )}
      </section>

      <Usage username={user.username} />

      <TokenManager path={`${userPath(user.username)}/tokens`}
        modelsPath={`/api/u/${encodeURIComponent(user.username)}/models`}
        idPrefix="user-token" owner={user.username} />

      <section class="card danger-zone" aria-labelledby="delete-title">
        <h2 id="delete-title">Delete the user</h2>
        <p class="muted">Their tokens, sessions and namespace (providers, rotations, autoselects) go with them. Their usage rows stay.</p>
        {selfNote && <p class="muted small">{selfNote}</p>}
        <button type="button" class="button button-danger" disabled={busy || self} onClick={() => setAsk('delete')}>
          Delete {user.username}…
        </button>
      </section>

      <ConfirmDialog open={ask === 'role'} danger={false} busy={busy} busyLabel="Saving…"
        title={chosenRole === 'admin' ? `Make ${user.username} an administrator?` : `Make ${user.username} a plain user?`}
        confirmLabel="Change role" onCancel={() => setAsk(null)}
        onConfirm={() => write(patch({ role: chosenRole }), `${user.username} is now ${chosenRole === 'admin' ? 'an administrator' : 'a user'}.`, () => setRole(''))}>
        <p>
          {chosenRole === 'admin'
            ? 'They will be able to change every setting, provider and user.'
            : 'They lose the administrator’s pages and API.'}{' '}
          Their dashboard sessions end; their API tokens keep working.
        </p>
      </ConfirmDialog>
      <ConfirmDialog open={ask === 'disable'} busy={busy} busyLabel="Disabling…" title={`Disable ${user.username}?`}
        confirmLabel="Disable account" onCancel={() => setAsk(null)}
        onConfirm={() => write(patch({ active: false }), `${user.username} is disabled: their sessions and tokens are refused.`)}>
        <p>They are signed out, cannot sign in, and every one of their API tokens is refused until you enable the account again.</p>
      </ConfirmDialog>
      <ConfirmDialog open={ask === 'password'} busy={busy} busyLabel="Resetting…" title={`Reset ${user.username}’s password?`}
        confirmLabel="Reset password" onCancel={() => setAsk(null)}
        onConfirm={() => write(patch({ password }),
          `${user.username}’s password is reset: they choose a new one at their next sign-in.`, () => setPassword(''))}>
        <p>Their sessions end now, and they must choose a new password at their next sign-in.</p>
      </ConfirmDialog>
      <ConfirmDialog open={ask === 'delete'} busy={busy} busyLabel="Deleting…" title={`Delete ${user.username}?`}
        confirmLabel={`Delete ${user.username}`} onCancel={() => setAsk(null)} onConfirm={remove}>
        <p>
          The account, its API tokens and its own providers, rotations and autoselects are removed for good. This cannot be
          undone.
        </p>
      </ConfirmDialog>
    </>
  );
}

function OneUser(props: { username: string }) {
  // A name no user can have is not asked for (the server would say 404 too).
  if (!USERNAME_PATTERN.test(props.username)) return <NoSuchUser username={props.username} />;
  return <UserDetail username={props.username} />;
}

export function Users() {
  const { search } = useLocation();
  const params = new URLSearchParams(search);
  const selected = params.get('user');
  return (
    <main id="main" class="page">
      {selected ? <OneUser key={selected} username={selected} /> : <UserList key={search} deleted={params.get('deleted')} />}
    </main>
  );
}
