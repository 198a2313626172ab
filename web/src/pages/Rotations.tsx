// Rotations: the gateway's (/dashboard/rotations, admins) or the caller's
// own (/dashboard/user/rotations), one component for both: list, create,
// edit (candidates with their shares of traffic, reorder, per-rotation
// settings), delete.
import { useMemo, useState } from 'preact/hooks';
import { api } from '../api';
import { Alert, Empty, Field, PageTitle, SelectField } from '../components';
import { providerModels, rotationProviders, type ProviderModelChoice, type RotationProviders } from '../modelChoices';
import {
  candidateFrom, emptyRotation, formatShare, fromRotation, moveCandidate, ROTATION_SETTINGS, rotationFieldOf, rotationShares,
  toRotation, validateRotation, type Json, type RotationCandidate, type RotationField, type RotationForm, type Share,
  type Tri,
} from '../rotation';
import {
  ADMIN, EditorActions, EntryPage, loadEntries, refocusMoved, RowActions, TriField, USER, useEntryEditor, useEntryList,
  type ConfigScope, type EditorProps, type Loaded,
} from './configParts';

// The rotations, the models to pick from and the providers an entry may
// name (the scope's own list: the gateway's for an admin, the caller's for
// a user), for the shares the gateway really draws.
interface RotationData extends Loaded {
  providers: RotationProviders;
}

async function loadRotations(scope: ConfigScope): Promise<RotationData> {
  const [loaded, listed] = await Promise.all([
    loadEntries(scope, 'rotations'),
    api<{ providers?: Record<string, Json> }>('GET', `${scope.base}/providers`),
  ]);
  return { ...loaded, providers: rotationProviders(scope.kind, listed.providers ?? {}, loaded.models) };
}

function candidateName(c: RotationCandidate, p: RotationProviders): string {
  if (c.model !== null) return `${c.provider}/${c.model}`;
  const n = p.counts.get(c.provider) ?? 0;
  return `${c.provider} (all ${n} model${n === 1 ? '' : 's'})`;
}

function ShareBadge(props: { share: Share }) {
  const s = props.share;
  if (s.role === 'skipped') return <span class="badge badge-warn">skipped</span>;
  if (s.role === 'backup') {
    return (
      <span class="badge badge-neutral">
        {s.share > 0 ? `${formatShare(s.share)} · ` : ''}backup {s.backupRank}
      </span>
    );
  }
  return <span class="badge badge-accent">{formatShare(s.share)}</span>;
}

export function RotationsPage(props: { scope: ConfigScope }) {
  const { scope } = props;
  const page = useEntryList<RotationData, RotationForm>(scope, 'rotations', 'Rotation', () => loadRotations(scope));
  return (
    <EntryPage page={page} title={scope.kind === 'admin' ? 'Rotations' : 'My rotations'} noun="rotation"
      blank={emptyRotation} consequence="Requests naming it will fail; an autoselect that lists it skips it."
      lead={scope.kind === 'admin'
        ? 'Several models behind one id (rotation/<id>): traffic shared by weight, failover to the next on any failure.'
        : 'Your own rotations (user-rotation/<id>): your providers and the gateway’s, shared by weight.'}
      editor={(data, editing) => (
        <RotationEditor key={editing.form.id || 'new'} scope={scope} initial={editing.form} isNew={editing.isNew}
          taken={Object.keys(data.entries)} models={data.models} providers={data.providers} onDone={page.done} />
      )}>
      {(data) => (
        <RotationList data={data} scope={scope} onEdit={(id) => page.edit(fromRotation(id, data.entries[id]), false)}
          onDelete={page.ask} />
      )}
    </EntryPage>
  );
}

function RotationList(props: {
  data: RotationData;
  scope: ConfigScope;
  onEdit: (id: string) => void;
  onDelete: (id: string) => void;
}) {
  const ids = Object.keys(props.data.entries);
  const providers = props.data.providers;
  if (ids.length === 0) {
    return (
      <Empty title="No rotations yet">
        {props.scope.kind === 'admin'
          ? 'Create one to spread requests over several models and fail over between them.'
          : 'Create one from your providers’ models or the gateway’s.'}
      </Empty>
    );
  }
  return (
    <div class="table-wrap">
      <table class="table">
        <caption class="visually-hidden">Rotations</caption>
        <thead>
          <tr>
            <th scope="col">Rotation</th>
            <th scope="col">Candidates and shares</th>
            <th scope="col"><span class="visually-hidden">Actions</span></th>
          </tr>
        </thead>
        <tbody>
          {ids.map((id) => {
            const form = fromRotation(id, props.data.entries[id]);
            const s = rotationShares(form.candidates, providers);
            const model = props.scope.kind === 'admin' ? `rotation/${id}` : `user-rotation/${id}`;
            return (
              <tr key={id}>
                <th scope="row">
                  <span class="cell-title">{id}</span>
                  <span class="cell-sub"><code>{model}</code></span>
                </th>
                <td>
                  <ul class="share-list">
                    {form.candidates.map((c, i) => (
                      <li key={c.key}><span class="share-name">{candidateName(c, providers)}</span> <ShareBadge share={s[i]} /></li>
                    ))}
                  </ul>
                </td>
                <td>
                  <div class="actions actions-end">
                    <button type="button" class="button button-small" onClick={() => props.onEdit(id)}
                      aria-label={`Edit ${id}`}>Edit</button>
                    <button type="button" class="button button-small button-danger-quiet" onClick={() => props.onDelete(id)}
                      aria-label={`Delete ${id}`}>Delete</button>
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

function RotationEditor(props: EditorProps<RotationForm> & { providers: RotationProviders }) {
  const { form, setForm, errors, failure, saving, clear, save } = useEntryEditor<RotationForm, RotationField>({
    scope: props.scope, plural: 'rotations', noun: 'Rotation', initial: props.initial,
    idOf: (f) => f.id.trim(), validate: (f) => validateRotation(f, props.taken, props.isNew), body: toRotation,
    fieldOf: (param, f, prefix) => rotationFieldOf(param, { ...f, id: f.id.trim() }, prefix),
    prefix: (id) => (props.scope.kind === 'admin' ? `rotations.${id}.` : ''), onDone: props.onDone,
  });
  const providers = props.providers;
  const choices = useMemo(() => providerModels(props.models, props.scope.kind, providers.own), [props.models, providers]);
  const [pick, setPick] = useState(choices[0]?.value ?? '');
  const s = rotationShares(form.candidates, providers);

  const update = (patch: Partial<RotationForm>) => setForm((f) => ({ ...f, ...patch }));
  const setCandidate = (key: string, patch: Partial<RotationCandidate>) => {
    update({ candidates: form.candidates.map((c) => (c.key === key ? { ...c, ...patch } : c)) });
    clear(`weight-${key}`, `model-${key}`);
  };
  const move = (index: number, by: -1 | 1) => {
    const key = form.candidates[index].key;
    update({ candidates: moveCandidate(form.candidates, index, by) });
    refocusMoved(key, by);
  };
  const add = () => {
    const c: ProviderModelChoice | undefined = choices.find((x) => x.value === pick);
    if (!c) return;
    update({ candidates: [...form.candidates, candidateFrom(c.provider, c.model)] });
    clear('candidates');
  };

  return (
    <form class="editor" onSubmit={save} noValidate>
      <PageTitle>{props.isNew ? 'New rotation' : `Rotation ${form.id}`}</PageTitle>
      {failure && <Alert>{failure}</Alert>}
      <section class="card form-grid" aria-labelledby="rot-id-title">
        <h2 id="rot-id-title">Name</h2>
        {props.isNew ? (
          <Field id="rot-id" label="Id" value={form.id} error={errors.id} autofocus
            hint={props.scope.kind === 'admin' ? 'Clients name it rotation/<id>.' : 'You name it user-rotation/<id>.'}
            onInput={(v) => { update({ id: v }); clear('id'); }} />
        ) : (
          <p class="muted small">Id <code>{form.id}</code> (an id cannot change: create a new rotation instead).</p>
        )}
        <Field id="rot-model_name" label="Display name" value={form.settings.model_name} error={errors.model_name}
          hint="Shown in the model lists; the id when empty."
          onInput={(v) => { update({ settings: { ...form.settings, model_name: v } }); clear('model_name'); }} />
      </section>

      <section class="card" aria-labelledby="rot-candidates-title">
        <h2 id="rot-candidates-title">Models and their shares of traffic</h2>
        <p class="muted small">
          Each model’s weight is its share; empty is 1. Weight 0 makes a backup, tried in this order only when no
          weighted model is left. A whole provider shares its weight among the models it lists.
        </p>
        {errors.candidates && <p class="field-error" id="rot-candidates-error">{errors.candidates}</p>}
        {form.candidates.length === 0 ? (
          <Empty title="No models yet">Pick models below.</Empty>
        ) : (
          <ol class="candidate-list" aria-describedby={errors.candidates ? 'rot-candidates-error' : undefined}>
            {form.candidates.map((c, i) => {
              const name = candidateName(c, providers);
              const weightError = errors[`weight-${c.key}`] ?? errors[`model-${c.key}`];
              return (
                <li key={c.key} class="candidate-row">
                  <span class="candidate-order" aria-hidden="true">{i + 1}</span>
                  <span class="candidate-name">{name}</span>
                  <div class={`field candidate-weight${weightError ? ' field-invalid' : ''}`}>
                    <label for={`weight-${c.key}`} class="visually-hidden">Weight of {name}</label>
                    <input id={`weight-${c.key}`} type="text" inputMode="decimal" value={c.weight} placeholder="1"
                      aria-invalid={weightError ? 'true' : undefined}
                      aria-describedby={weightError ? `weight-${c.key}-error` : undefined}
                      onInput={(e) => setCandidate(c.key, { weight: (e.currentTarget as HTMLInputElement).value })} />
                  </div>
                  <span class="candidate-share" data-share-of={name}>
                    <span class="visually-hidden">Share of traffic: </span>
                    <ShareBadge share={s[i]} />
                  </span>
                  <RowActions id={c.key} name={name} first={i === 0} last={i === form.candidates.length - 1}
                    onMove={(by) => move(i, by)}
                    onRemove={() => update({ candidates: form.candidates.filter((x) => x.key !== c.key) })} />
                  {weightError && <p class="field-error candidate-error" id={`weight-${c.key}-error`}>{weightError}</p>}
                </li>
              );
            })}
          </ol>
        )}
        <div class="add-row">
          {choices.length === 0 ? (
            <p class="muted">No models to pick: add a provider with models first.</p>
          ) : (
            <>
              <SelectField id="rot-pick" label="Add a model" value={pick}
                options={choices.map((c) => ({ value: c.value, label: c.label }))} onChange={setPick} />
              <button type="button" class="button" onClick={add}>Add</button>
            </>
          )}
        </div>
        {providers.shadowed.length > 0 && (
          <p class="muted small" id="rot-shadowed">
            Not offered: the gateway’s {providers.shadowed.join(', ')}. Your own provider of the same id takes its
            place in your rotations, so a rotation naming it uses yours.
          </p>
        )}
      </section>

      <section class="card form-grid" aria-labelledby="rot-settings-title">
        <h2 id="rot-settings-title">Settings</h2>
        <p class="muted small form-grid-wide">
          Defaults for every model of this rotation: they win over the providers’ own settings (providers.json).
          Empty: the provider’s, else the gateway’s.
        </p>
        <TriField id="rot-notifyerrors" label="Errors as an answer" value={form.notifyerrors}
          inherit={props.scope.kind === 'admin' ? 'As rotations.json says' : 'Off (default)'}
          hint="On: when every model fails, the client gets the attempts as an assistant message, not an error."
          onChange={(v: Tri) => update({ notifyerrors: v })} />
        {ROTATION_SETTINGS.filter((x) => x.key !== 'model_name').map((x) => (
          <Field key={x.key} id={`rot-${x.key}`} label={x.label} value={form.settings[x.key]} error={errors[x.key]}
            hint={'hint' in x ? x.hint : undefined} inputMode={x.kind === 'text' ? undefined : x.kind === 'int' ? 'numeric' : 'decimal'}
            onInput={(v) => { update({ settings: { ...form.settings, [x.key]: v } }); clear(x.key); }} />
        ))}
      </section>

      <EditorActions saving={saving} noun="rotation" onCancel={() => props.onDone(null)} />
    </form>
  );
}

export function Rotations() {
  return <RotationsPage scope={ADMIN} />;
}
export function MyRotations() {
  return <RotationsPage scope={USER} />;
}
