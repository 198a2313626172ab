// API tokens of one user, as the "My tokens" page and an admin's user page
// show them: the list, a new one (shown once, with ready-to-paste
// snippets), revoking one (asked first). `path` is the collection's API
// path: /api/user/tokens, or /api/admin/users/{username}/tokens. The list
// reloads in place (useLoad keeps the rows shown) after each change.
import { useEffect, useRef, useState } from 'preact/hooks';
import {
  EXPIRY_OPTIONS, fieldError, formatWhen, isoMoment, tokenBody, tokenState, validateToken,
  type ApiToken, type CreatedToken, type List, type TokenField, type TokenForm,
} from '../accounts';
import { api } from '../api';
import {
  Alert, ConfirmDialog, CopyButton, Empty, errorText, Field, Loading, SelectField,
} from '../components';
import { useFocusLater } from '../focus';
import { PREFIX } from '../routes';
import { useSession } from '../session';
import { gatewayBase, keyExport, KEY_ENV, MODEL_PLACEHOLDER, tokenSnippets, type Snippet } from '../snippets';
import { isBusy, useLoad } from '../useLoad';
import { hasErrors, type FieldErrors } from '../validation';

const TOKEN_FIELDS: readonly TokenField[] = ['description', 'expiry', 'date'];
const EMPTY_FORM: TokenForm = { description: '', expiry: 'never', date: '' };

// A moment as "5 min ago" / "in 3 days", its exact time on hover.
export function When(props: { at: number | null; never?: string }) {
  const text = formatWhen(props.at, Date.now(), props.never);
  if (props.at === null) return <>{text}</>;
  return <time dateTime={isoMoment(props.at)} title={isoMoment(props.at)}>{text}</time>;
}

function StateBadge(props: { token: ApiToken }) {
  const state = tokenState(props.token, Date.now());
  const tone = state === 'active' ? 'ok' : 'warn';
  return <span class={`badge badge-${tone}`}>{state === 'active' ? 'Active' : state === 'expired' ? 'Expired' : 'Revoked'}</span>;
}

function NewTokenForm(props: { idPrefix: string; path: string; onCreated: (t: CreatedToken) => void }) {
  const session = useSession();
  const [values, setValues] = useState<TokenForm>(EMPTY_FORM);
  const [errors, setErrors] = useState<FieldErrors<TokenField>>({});
  const [failure, setFailure] = useState('');
  const [busy, setBusy] = useState(false);
  const id = (f: string) => `${props.idPrefix}-${f}`;

  const set = (field: TokenField) => (value: string) => {
    setValues((v) => ({ ...v, [field]: value }));
    if (errors[field]) setErrors((e) => ({ ...e, [field]: undefined }));
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    const found = validateToken(values, Date.now());
    setErrors(found);
    setFailure('');
    if (hasErrors(found)) {
      document.getElementById(id(TOKEN_FIELDS.find((f) => found[f]) ?? 'description'))?.focus();
      return;
    }
    setBusy(true);
    try {
      const created = await api<CreatedToken>('POST', props.path, tokenBody(values));
      setValues(EMPTY_FORM);
      props.onCreated(created);
    } catch (err) {
      if (session.intercept(err)) return;
      // expires_in / expires_at are the date's (or the choice's) on the server.
      const onField = fieldError(err, [...TOKEN_FIELDS, 'expires_in', 'expires_at'] as const);
      if (onField) {
        const field: TokenField = onField.field === 'expires_at' ? 'date' : onField.field === 'expires_in' ? 'expiry' : onField.field;
        setErrors({ [field]: onField.message });
        document.getElementById(id(field))?.focus();
      } else {
        setFailure(errorText(err));
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="form-card token-form" onSubmit={submit} noValidate>
      {failure && <Alert>The token could not be created: {failure}</Alert>}
      <Field id={id('description')} label="Name" value={values.description} error={errors.description}
        hint="Where it will be used, e.g. “laptop” or “CI”: you will see it in the list." onInput={set('description')} />
      <SelectField id={id('expiry')} label="Expires" value={values.expiry} options={EXPIRY_OPTIONS}
        error={errors.expiry} onChange={set('expiry')} />
      {values.expiry === 'date' && (
        <Field id={id('date')} label="Expiry date" type="date" value={values.date} error={errors.date}
          hint="The token works until the end of that day." onInput={set('date')} />
      )}
      <div class="actions">
        <button type="submit" class="button button-primary" disabled={busy}>{busy ? 'Creating…' : 'Create token'}</button>
      </div>
    </form>
  );
}

function CodeBlock(props: { caption: string; code: string; copyLabel: string }) {
  return (
    <figure class="code-block">
      <figcaption>
        <span>{props.caption}</span>
        <CopyButton text={props.code} label={props.copyLabel} />
      </figcaption>
      {/* A scroll region a keyboard can reach: tabIndex and a name. */}
      <pre tabIndex={0} aria-label={props.caption}><code>{props.code}</code></pre>
    </figure>
  );
}

// The new token, shown this once: the secret with a copy button, and how
// to use it from each client.
function TokenReveal(props: { token: CreatedToken; modelsPath: string; onDone: () => void }) {
  const [models, setModels] = useState<string[] | null>(null);
  const [model, setModel] = useState('');
  const [client, setClient] = useState<Snippet['id']>('python');
  // Keyboard and screen reader users start at the new token.
  const title = useRef<HTMLHeadingElement>(null);
  useEffect(() => title.current?.focus(), [props.token.id]);
  useEffect(() => {
    let live = true;
    api<List<{ id: string }>>('GET', props.modelsPath).then(
      (list) => {
        if (!live) return;
        const ids = list.data.map((m) => m.id);
        setModels(ids);
        setModel((m) => m || ids[0] || MODEL_PLACEHOLDER);
      },
      () => live && setModels([]), // the snippets still work with a placeholder
    );
    return () => { live = false; };
  }, [props.modelsPath]);

  const snippets = tokenSnippets({
    base: gatewayBase(location.origin, PREFIX),
    model: model || MODEL_PLACEHOLDER,
  });
  const shown = snippets.find((s) => s.id === client) ?? snippets[0];
  const modelOptions = (models && models.length > 0 ? models : [MODEL_PLACEHOLDER]).map((m) => ({ value: m, label: m }));

  return (
    <section class="card token-reveal" aria-labelledby="new-token-title">
      <h2 id="new-token-title" ref={title} tabIndex={-1}>New token “{props.token.description || props.token.id}”</h2>
      <Alert kind="success">
        Copy it now: this is the only time it is shown. The gateway keeps only a hash of it.
      </Alert>
      <div class="secret">
        <code class="secret-value" data-testid="new-token">{props.token.token}</code>
        <CopyButton text={props.token.token} label="Copy token" />
      </div>
      <h3>Use it</h3>
      <p>
        Put it in the environment of the shell your programs start from: this line holds the token, every snippet
        below reads it from <code>{KEY_ENV}</code>.
      </p>
      <CodeBlock caption="In your shell:" code={keyExport(props.token.token)} copyLabel="Copy the line" />
      <div class="snippet-choice">
        <SelectField id="snippet-client" label="With" value={client}
          options={snippets.map((s) => ({ value: s.id, label: s.title }))}
          onChange={(v) => setClient(v as Snippet['id'])} />
        <SelectField id="snippet-model" label="Model" value={model || MODEL_PLACEHOLDER} options={modelOptions}
          hint={models !== null && models.length === 0 ? 'No model is configured yet: replace MODEL_ID.' : undefined}
          onChange={setModel} />
      </div>
      {shown.blocks.map((b, i) => (
        <CodeBlock key={`${shown.id}-${i}`} caption={b.caption} code={b.code}
          copyLabel={shown.blocks.length > 1 ? `Copy part ${i + 1}` : 'Copy snippet'} />
      ))}
      <div class="actions">
        <button type="button" class="button" onClick={props.onDone}>I have copied it: hide the token</button>
      </div>
    </section>
  );
}

export function TokenManager(props: {
  path: string; // the tokens collection
  modelsPath: string; // the models the token's user may use, for the snippets
  idPrefix: string; // keeps the form's ids apart from the page's
  owner?: string; // the tokens' user, named in the texts when not the caller
}) {
  const session = useSession();
  const focusLater = useFocusLater();
  const [load, reload] = useLoad(() => api<List<ApiToken>>('GET', props.path));
  const [created, setCreated] = useState<CreatedToken | null>(null);
  const [revoking, setRevoking] = useState<ApiToken | null>(null);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ kind: 'success' | 'error'; text: string } | null>(null);
  const whose = props.owner ? `${props.owner}’s` : 'Your';
  const listTitle = `${props.idPrefix}-list-title`;
  const messageId = `${props.idPrefix}-message`;

  // Said once the list shows the token revoked; focus goes to what is said
  // (the row's button that opened the dialog is gone).
  const revoke = async () => {
    if (!revoking) return;
    setBusy(true);
    try {
      await api('DELETE', `${props.path}/${encodeURIComponent(revoking.id)}`);
      if (created?.id === revoking.id) setCreated(null);
      await reload();
      setMessage({ kind: 'success', text: `Revoked “${revoking.description || revoking.id}”: it is refused from now on.` });
      focusLater(messageId);
    } catch (err) {
      if (!session.intercept(err)) {
        setMessage({ kind: 'error', text: `Revoking failed: ${errorText(err)}` });
        focusLater(messageId);
      }
    } finally {
      setBusy(false);
      setRevoking(null);
    }
  };

  const tokens = load.state === 'ready' ? load.data.data : [];
  return (
    <>
      {created && (
        <TokenReveal token={created} modelsPath={props.modelsPath}
          onDone={() => { setCreated(null); focusLater(listTitle); }} />
      )}
      <section class="card" aria-labelledby={`${props.idPrefix}-new-title`}>
        <h2 id={`${props.idPrefix}-new-title`}>New token</h2>
        <NewTokenForm idPrefix={props.idPrefix} path={props.path}
          onCreated={(t) => { setMessage(null); setCreated(t); reload(); }} />
      </section>
      <section class="card" aria-labelledby={listTitle} aria-busy={isBusy(load)}>
        <div class="section-head">
          {/* Focused when the new token is hidden: it is in this list now. */}
          <h2 id={listTitle} tabIndex={-1}>Tokens</h2>
          <button type="button" class="button button-small" onClick={reload} disabled={isBusy(load)}>Refresh</button>
        </div>
        {message && <div id={messageId} tabIndex={-1}><Alert kind={message.kind}>{message.text}</Alert></div>}
        {load.state === 'loading' && <Loading label="Loading the tokens…" />}
        {load.state === 'error' && <Alert>The tokens could not be loaded: {load.message}</Alert>}
        {load.state === 'ready' && tokens.length === 0 && (
          <Empty title="No tokens yet">
            A token lets a program (an SDK, curl, Claude Code, Codex…) use the gateway as {props.owner ?? 'you'}.
            Create one above.
          </Empty>
        )}
        {tokens.length > 0 && (
          <div class="table-wrap">
            <table class="table stack-table">
              <caption class="visually-hidden">{`${whose} API tokens`}</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Created</th>
                  <th scope="col">Last used</th>
                  <th scope="col">Expires</th>
                  <th scope="col">Status</th>
                  <th scope="col"><span class="visually-hidden">Actions</span></th>
                </tr>
              </thead>
              <tbody>
                {tokens.map((t) => (
                  <tr key={t.id}>
                    <th scope="row">
                      <span class="cell-title">{t.description || 'Unnamed'}</span>
                      <span class="cell-sub"><code>{t.id}</code></span>
                    </th>
                    <td data-label="Created"><When at={t.created} /></td>
                    <td data-label="Last used"><When at={t.last_used} /></td>
                    <td data-label="Expires"><When at={t.expires} never="No expiry" /></td>
                    <td data-label="Status"><StateBadge token={t} /></td>
                    <td class="cell-actions">
                      <button type="button" class="button button-small button-danger-quiet"
                        onClick={() => { setMessage(null); setRevoking(t); }}>
                        Revoke…<span class="visually-hidden"> {t.description || t.id}</span>
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <ConfirmDialog open={revoking !== null} title="Revoke this token?" confirmLabel="Revoke token" busyLabel="Revoking…"
        busy={busy} onConfirm={revoke} onCancel={() => setRevoking(null)}>
        <p>
          “{revoking?.description || revoking?.id}” stops working at once: every program using it is refused from its
          next request. This cannot be undone.
        </p>
      </ConfirmDialog>
    </>
  );
}
