// Autoselects: the gateway's (/dashboard/autoselect, admins) or the
// caller's own (/dashboard/user/autoselects), one component for both:
// list, create, edit (candidates with descriptions, selection model,
// fallback, classification), delete, and a "try it" box that asks the
// gateway which model a prompt would get and why (POST …/autoselects/{id}/try).
import { useMemo, useState } from 'preact/hooks';
import { api, ApiError } from '../api';
import {
  Alert, CheckboxField, Empty, errorText, Field, PageTitle, SelectField, TextAreaField,
} from '../components';
import {
  autoselectFieldOf, emptyAutoselect, explainTry, fromAutoselect, newCandidate, toAutoselect, validateAutoselect,
  tryTarget, validateTryPrompt, type AutoselectCandidate, type AutoselectField, type AutoselectForm, type TryAnswer,
} from '../autoselect';
import { autoselectTargets } from '../modelChoices';
import { moveCandidate } from '../rotation';
import { useSession } from '../session';
import {
  ADMIN, ComboField, EditorActions, EntryPage, loadEntries, refocusMoved, RowActions, Suggestions, TriField, USER,
  useEntryEditor, useEntryList, type ConfigScope, type EditorProps, type Loaded,
} from './configParts';


const BY_LABEL: Record<string, string> = {
  llm: 'chosen by the selection model',
  semantic: 'semantic match',
  cache: 'earlier choice reused',
  fallback: 'fallback',
  only: 'only candidate left',
};

export function AutoselectsPage(props: { scope: ConfigScope }) {
  const { scope } = props;
  const page = useEntryList<Loaded, AutoselectForm>(scope, 'autoselects', 'Autoselect', () => loadEntries(scope, 'autoselects'));
  return (
    <EntryPage page={page} title={scope.kind === 'admin' ? 'Autoselect' : 'My autoselects'} noun="autoselect"
      blank={emptyAutoselect} consequence="Requests naming it will fail."
      lead={<>
        One model id ({scope.kind === 'admin' ? 'autoselect/<id>' : 'user-autoselect/<id>'}) that picks, for each
        request, the candidate whose description fits it best: by a selection model, or by semantic match.
      </>}
      editor={(data, editing) => (
        <AutoselectEditor key={editing.form.id || 'new'} scope={scope} initial={editing.form} isNew={editing.isNew}
          taken={Object.keys(data.entries)} models={data.models} onDone={page.done} />
      )}>
      {(data) => (
        <>
          <AutoselectList data={data} scope={scope}
            onEdit={(id) => page.edit(fromAutoselect(id, data.entries[id]), false)} onDelete={page.ask} />
          {Object.keys(data.entries).length > 0 && <TryBox scope={scope} ids={Object.keys(data.entries)} />}
        </>
      )}
    </EntryPage>
  );
}

function AutoselectList(props: {
  data: Loaded;
  scope: ConfigScope;
  onEdit: (id: string) => void;
  onDelete: (id: string) => void;
}) {
  const ids = Object.keys(props.data.entries);
  if (ids.length === 0) {
    return (
      <Empty title="No autoselects yet">
        Create one from rotations or models, each with a description of what it is good at.
      </Empty>
    );
  }
  return (
    <div class="table-wrap">
      <table class="table">
        <caption class="visually-hidden">Autoselects</caption>
        <thead>
          <tr>
            <th scope="col">Autoselect</th>
            <th scope="col">Chosen by</th>
            <th scope="col">Candidates</th>
            <th scope="col"><span class="visually-hidden">Actions</span></th>
          </tr>
        </thead>
        <tbody>
          {ids.map((id) => {
            const f = fromAutoselect(id, props.data.entries[id]);
            const model = props.scope.kind === 'admin' ? `autoselect/${id}` : `user-autoselect/${id}`;
            return (
              <tr key={id}>
                <th scope="row">
                  <span class="cell-title">{id}</span>
                  <span class="cell-sub"><code>{model}</code></span>
                </th>
                <td>
                  {f.selection === 'semantic' ? 'Semantic match' : <code>{f.selection_model || 'general'}</code>}
                  <span class="cell-sub">fallback {f.fallback ? <code>{f.fallback}</code> : 'none'}</span>
                </td>
                <td>
                  <ul class="share-list">
                    {f.candidates.map((c) => (
                      <li key={c.key}>
                        <code>{c.model_id}</code>
                        {c.privacy && <span class="badge badge-neutral">privacy</span>}
                        {c.nsfw && <span class="badge badge-neutral">nsfw</span>}
                      </li>
                    ))}
                  </ul>
                </td>
                <td>
                  <div class="actions actions-end">
                    <button type="button" class="button button-small" aria-label={`Edit ${id}`} onClick={() => props.onEdit(id)}>
                      Edit
                    </button>
                    <button type="button" class="button button-small button-danger-quiet" aria-label={`Delete ${id}`}
                      onClick={() => props.onDelete(id)}>Delete</button>
                  </div>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

// A prompt → which candidate would serve it, how, and the selection model's words.
function TryBox(props: { scope: ConfigScope; ids: string[] }) {
  const session = useSession();
  const [picked, setId] = useState(props.ids[0]);
  const id = tryTarget(props.ids, picked) ?? '';
  const [prompt, setPrompt] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const [answer, setAnswer] = useState<TryAnswer | null>(null);
  const [failure, setFailure] = useState<string | null>(null);

  const run = async (e: Event) => {
    e.preventDefault();
    setFailure(null);
    const err = validateTryPrompt(prompt);
    setError(err);
    if (err) return;
    setBusy(true);
    try {
      setAnswer(await api<TryAnswer>('POST', `${props.scope.base}/autoselects/${encodeURIComponent(id)}/try`, { prompt }));
    } catch (x) {
      if (session.intercept(x)) return;
      if (x instanceof ApiError && x.param === 'prompt') setError(x.message);
      else setFailure(errorText(x));
      setAnswer(null);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="card try-box" aria-labelledby="try-title">
      <h2 id="try-title">Try it</h2>
      <p class="muted small">
        Which model would a request get? The gateway makes the choice as for a request (the selection model is asked,
        a usage row of yours) but sends the prompt to no chosen model.
      </p>
      <form class="form-grid" onSubmit={run} noValidate>
        <SelectField id="try-autoselect" label="Autoselect" value={id} options={props.ids.map((x) => ({ value: x, label: x }))}
          onChange={(v) => { setId(v); setAnswer(null); }} />
        <div class="form-grid-wide">
          <TextAreaField id="try-prompt" label="Prompt" value={prompt} rows={4} error={error}
            hint="A user message, as a client would send it (at most 32 KiB)." onInput={setPrompt} />
        </div>
        <div class="actions form-grid-wide">
          <button type="submit" class="button button-primary" disabled={busy}>{busy ? 'Choosing…' : 'Choose a model'}</button>
        </div>
      </form>
      {failure && <Alert>The gateway could not try it: {failure}</Alert>}
      {answer && props.ids.includes(answer.autoselect) && <TryResult answer={answer} />}
    </section>
  );
}

function TryResult(props: { answer: TryAnswer }) {
  const a = props.answer;
  return (
    <div class="try-result" role="status" aria-live="polite">
      {a.chosen ? (
        <p class="try-chosen">
          <span class="muted">Chosen:</span> <code>{a.chosen.candidate}</code>{' '}
          <span class="badge badge-accent">{BY_LABEL[a.chosen.by] ?? a.chosen.by}</span>
          {a.chosen.target !== a.chosen.candidate && <span class="muted small"> served as <code>{a.chosen.target}</code></span>}
        </p>
      ) : (
        <p class="try-chosen"><span class="badge badge-warn">Refused</span> {a.refusal?.code}</p>
      )}
      <p>{explainTry(a)}</p>
      <dl class="facts facts-grid">
        <div>
          <dt>Candidates considered</dt>
          <dd>{a.allowed.length > 0 ? a.allowed.join(', ') : 'none'}</dd>
        </div>
        <div>
          <dt>Personal data</dt>
          <dd>{a.classification.private_data.length > 0 ? a.classification.private_data.join(', ') : 'none found'}</dd>
        </div>
        <div>
          <dt>NSFW</dt>
          <dd>{a.classification.nsfw ? 'yes' : 'no'}</dd>
        </div>
      </dl>
      {a.semantic.length > 0 && (
        <>
          <h3 class="small-heading">Semantic scores</h3>
          <ul class="share-list">
            {a.semantic.map((x) => <li key={x.model_id}><code>{x.model_id}</code> {x.score.toFixed(3)}</li>)}
          </ul>
        </>
      )}
      {a.selection && a.selection.answer && (
        <>
          <h3 class="small-heading">What {a.selection.model} answered</h3>
          <pre class="answer-text">{a.selection.answer}</pre>
        </>
      )}
    </div>
  );
}

function AutoselectEditor(props: EditorProps<AutoselectForm>) {
  const { form, setForm, errors, failure, saving, clear, save } = useEntryEditor<AutoselectForm, AutoselectField>({
    scope: props.scope, plural: 'autoselects', noun: 'Autoselect', initial: props.initial,
    idOf: (f) => f.id.trim(), validate: (f) => validateAutoselect(f, props.taken, props.isNew), body: toAutoselect,
    fieldOf: autoselectFieldOf, prefix: (id) => (props.scope.kind === 'admin' ? `${id}.` : ''), onDone: props.onDone,
  });
  const targets = useMemo(() => autoselectTargets(props.models, props.scope.kind), [props.models]);
  const [pick, setPick] = useState(targets[0]?.value ?? '');

  const update = (patch: Partial<AutoselectForm>) => {
    setForm((f) => ({ ...f, ...patch }));
    clear(...(Object.keys(patch) as AutoselectField[]));
  };
  const setCandidate = (key: string, patch: Partial<AutoselectCandidate>) => {
    setForm((f) => ({ ...f, candidates: f.candidates.map((c) => (c.key === key ? { ...c, ...patch } : c)) }));
    clear(...(Object.keys(patch).map((k) => (k === 'description' ? `description-${key}` : `candidate-${key}`)) as AutoselectField[]));
  };
  const move = (index: number, by: -1 | 1) => {
    const key = form.candidates[index].key;
    update({ candidates: moveCandidate(form.candidates, index, by) });
    refocusMoved(key, by);
  };

  const inherit = props.scope.kind === 'admin' ? 'As aisbf.json says' : 'The gateway’s default';
  return (
    <form class="editor" onSubmit={save} noValidate>
      <PageTitle>{props.isNew ? 'New autoselect' : `Autoselect ${form.id}`}</PageTitle>
      {failure && <Alert>{failure}</Alert>}
      <Suggestions id="as-targets" values={targets} />
      <section class="card form-grid" aria-labelledby="as-name-title">
        <h2 id="as-name-title" class="form-grid-wide">Name</h2>
        {props.isNew ? (
          <Field id="as-id" label="Id" value={form.id} error={errors.id} autofocus
            hint={props.scope.kind === 'admin' ? 'Clients name it autoselect/<id>.' : 'You name it user-autoselect/<id>.'}
            onInput={(v) => update({ id: v })} />
        ) : (
          <p class="muted small">Id <code>{form.id}</code> (an id cannot change).</p>
        )}
        <Field id="as-model_name" label="Display name" value={form.model_name} error={errors.model_name}
          onInput={(v) => update({ model_name: v })} />
        <div class="form-grid-wide">
          <Field id="as-description" label="Description" value={form.description} onInput={(v) => update({ description: v })} />
        </div>
      </section>

      <section class="card form-grid" aria-labelledby="as-choice-title">
        <h2 id="as-choice-title" class="form-grid-wide">How it chooses</h2>
        <SelectField id="as-selection" label="Chosen by" value={form.selection}
          options={[{ value: 'model', label: 'A selection model' }, { value: 'semantic', label: 'Semantic match (no model asked)' }]}
          onChange={(v) => update({ selection: v as AutoselectForm['selection'] })} />
        {form.selection === 'model' && (
          <ComboField id="as-selection_model" label="Selection model" list="as-targets" value={form.selection_model}
            error={errors.selection_model} placeholder="general"
            hint="A rotation id, provider/model or a provider id; empty: the rotation general (AISBF’s default)."
            onInput={(v) => update({ selection_model: v })} />
        )}
        <ComboField id="as-fallback" label="Fallback" list="as-targets" value={form.fallback} error={errors.fallback}
          hint="Serves when the selection fails, times out or names no candidate."
          onInput={(v) => update({ fallback: v })} />
        <Field id="as-selection_timeout" label="Selection timeout (s)" value={form.selection_timeout} inputMode="decimal"
          error={errors.selection_timeout} hint="Empty: aisbf.json’s (10 s)." onInput={(v) => update({ selection_timeout: v })} />
        <Field id="as-cache_ttl" label="Reuse a choice for (s)" value={form.cache_ttl} inputMode="decimal"
          error={errors.cache_ttl} hint="Later turns of a conversation keep its choice; 0: never. Empty: 600."
          onInput={(v) => update({ cache_ttl: v })} />
      </section>

      <section class="card" aria-labelledby="as-candidates-title">
        <h2 id="as-candidates-title">Candidates</h2>
        <p class="muted small">
          What each is good at: the selection model and the semantic match read these descriptions. Flag the ones that
          may see personal data or NSFW content.
        </p>
        {errors.candidates && <p class="field-error">{errors.candidates}</p>}
        {form.candidates.length === 0 ? (
          <Empty title="No candidates yet">Add rotations or models below.</Empty>
        ) : (
          <ol class="as-candidates">
            {form.candidates.map((c, i) => {
              const name = c.model_id || `candidate ${i + 1}`;
              return (
                <li key={c.key} class="as-candidate">
                  <div class="as-candidate-head">
                    <span class="candidate-order" aria-hidden="true">{i + 1}</span>
                    <div class="as-candidate-id">
                      <ComboField id={`as-c-${c.key}`} label={`Candidate ${i + 1}`} list="as-targets" value={c.model_id}
                        error={errors[`candidate-${c.key}`]} onInput={(v) => setCandidate(c.key, { model_id: v })} />
                    </div>
                    <RowActions id={c.key} name={name} first={i === 0} last={i === form.candidates.length - 1}
                      onMove={(by) => move(i, by)}
                      onRemove={() => update({ candidates: form.candidates.filter((x) => x.key !== c.key) })} />
                  </div>
                  <TextAreaField id={`as-d-${c.key}`} label={`Description of ${name}`} rows={2} value={c.description}
                    error={errors[`description-${c.key}`]} onInput={(v) => setCandidate(c.key, { description: v })} />
                  <div class="check-row">
                    <CheckboxField id={`as-p-${c.key}`} label="May see personal data" checked={c.privacy}
                      onChange={(v) => setCandidate(c.key, { privacy: v })} />
                    <CheckboxField id={`as-n-${c.key}`} label="May serve NSFW content" checked={c.nsfw}
                      onChange={(v) => setCandidate(c.key, { nsfw: v })} />
                  </div>
                </li>
              );
            })}
          </ol>
        )}
        <div class="add-row">
          {targets.length > 0 && (
            <SelectField id="as-pick" label="Add a candidate" value={pick}
              options={targets.map((t) => ({ value: t.value, label: t.label }))} onChange={setPick} />
          )}
          <button type="button" class="button"
            onClick={() => update({ candidates: [...form.candidates, newCandidate(targets.length > 0 ? pick : '')] })}>
            Add
          </button>
        </div>
      </section>

      <section class="card form-grid" aria-labelledby="as-class-title">
        <h2 id="as-class-title" class="form-grid-wide">Classification</h2>
        <TriField id="as-classify_privacy" label="Look for personal data" value={form.classify_privacy} inherit={inherit}
          hint="Found: only candidates that may see it serve; it is never shown to the selection model."
          onChange={(v) => update({ classify_privacy: v })} />
        <TriField id="as-classify_nsfw" label="Look for NSFW content" value={form.classify_nsfw} inherit={inherit}
          hint="Found: only candidates flagged NSFW serve." onChange={(v) => update({ classify_nsfw: v })} />
        <TriField id="as-classify_semantic" label="Semantic match first" value={form.classify_semantic} inherit={inherit}
          hint="On: the descriptions’ match decides when one candidate stands clear; the model is asked otherwise."
          onChange={(v) => update({ classify_semantic: v })} />
        <ComboField id="as-classify_nsfw_model" label="NSFW classifier model" list="as-targets"
          value={form.classify_nsfw_model} error={errors.classify_nsfw_model}
          hint="Asked after the word list; empty: the word list only." onInput={(v) => update({ classify_nsfw_model: v })} />
        <Field id="as-classify_window" label="Messages scanned" value={form.classify_window} inputMode="numeric"
          error={errors.classify_window} hint="The latest messages the classifiers read; 0: all. Empty: aisbf.json’s."
          onInput={(v) => update({ classify_window: v })} />
      </section>

      <EditorActions saving={saving} noun="autoselect" onCancel={() => props.onDone(null)} />
    </form>
  );
}

export function Autoselects() {
  return <AutoselectsPage scope={ADMIN} />;
}
export function MyAutoselects() {
  return <AutoselectsPage scope={USER} />;
}
