// The prompt files (GET/PUT /api/admin/prompts/{name}): edit and save one,
// see how it differs from aisbf's built-in text (`default_text`), reset it
// to that text after a confirmation.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { api, ApiError } from '../api';
import { Alert, ConfirmDialog, errorText, Loading, PageTitle, TextAreaField } from '../components';
import { capHunks, diffLines, diffStats, hunks, sameLines, type DiffLine } from '../linediff';
import { useSession } from '../session';
import { byteLength } from '../validation';
import './config-pages.css';

interface Prompt {
  name: string;
  content: string;
  default: boolean; // no file yet: content is the built-in text
  default_text: string;
}

export const PROMPTS = [
  { name: 'autoselect', title: 'Autoselect', what: 'How the selection model is asked to pick a model for a request.' },
  { name: 'condensation_conversational', title: 'Conversational condensation',
    what: 'How the condensation model summarises the older turns of a conversation.' },
  { name: 'condensation_semantic', title: 'Semantic condensation',
    what: 'How the condensation model keeps what matters to the current request.' },
  { name: 'classify_nsfw', title: 'NSFW classification', what: 'How a classification model is asked whether a request is NSFW.' },
] as const;

const MAX_BYTES = 256 * 1024;

export function validatePrompt(content: string): string | undefined {
  if (content.trim() === '') return 'A prompt cannot be empty. To go back to the built-in text, reset it.';
  if (byteLength(content) > MAX_BYTES) return 'A prompt has at most 256 KiB.';
  return undefined;
}

function DiffLineRow(props: { line: DiffLine }) {
  const { line } = props;
  const sign = line.kind === 'add' ? '+' : line.kind === 'del' ? '−' : ' ';
  const said = line.kind === 'add' ? 'added: ' : line.kind === 'del' ? 'removed: ' : '';
  return (
    <div class={`diff-line diff-${line.kind}`}>
      <span class="diff-no" aria-hidden="true">{line.oldNo ?? ''}</span>
      <span class="diff-no" aria-hidden="true">{line.newNo ?? ''}</span>
      <span class="diff-sign" aria-hidden="true">{sign}</span>
      <span class="diff-text"><span class="visually-hidden">{said}</span>{line.text || ' '}</span>
    </div>
  );
}

// The diff follows the text a moment after typing stops, not at every key.
export const DIFF_DELAY_MS = 300;
// Rows rendered at most (a prompt replaced wholesale has thousands).
export const MAX_DIFF_ROWS = 400;

function useSettled<T>(value: T, delayMs: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    if (settled === value) return;
    const t = setTimeout(() => setSettled(value), delayMs);
    return () => clearTimeout(t);
  }, [value]);
  return settled;
}

function Diff(props: { from: string; to: string }) {
  const { lines, parts } = useMemo(() => {
    const lines = diffLines(props.from, props.to);
    return { lines, parts: hunks(lines, 3) };
  }, [props.from, props.to]);
  const { added, removed } = diffStats(lines);
  if (parts.length === 0) return <p class="muted">The same as the built-in text.</p>;
  const { shown, hidden } = capHunks(parts, MAX_DIFF_ROWS);
  return (
    <div class="diff" role="group" aria-label="Difference from the built-in text">
      <p class="small">
        <span class="diff-count diff-count-add">{added} {added === 1 ? 'line' : 'lines'} added</span>,{' '}
        <span class="diff-count diff-count-del">{removed} removed</span> compared with the built-in text.
      </p>
      {shown.map((h) => (
        <div class="diff-hunk" key={`${h.oldStart}-${h.newStart}`}>
          <div class="diff-hunk-head">Built-in line {h.oldStart || 1}, yours line {h.newStart || 1}</div>
          {h.lines.map((l, i) => <DiffLineRow key={i} line={l} />)}
        </div>
      ))}
      {hidden > 0 && <p class="small muted">{hidden} more {hidden === 1 ? 'line' : 'lines'} of the difference not shown.</p>}
    </div>
  );
}

function PromptEditor(props: { prompt: Prompt; onSaved: (p: Prompt) => void; onDirty: (dirty: boolean) => void }) {
  const session = useSession();
  const [text, setText] = useState(props.prompt.content);
  const [error, setError] = useState<string | undefined>();
  const [message, setMessage] = useState<{ kind: 'success' | 'error'; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const [asking, setAsking] = useState(false);
  const dirty = text !== props.prompt.content;
  useEffect(() => props.onDirty(dirty), [dirty]);
  const file = `${props.prompt.name}.md`;

  const write = async (content: string, done: string) => {
    setBusy(true);
    setMessage(null);
    try {
      const saved = await api<Prompt>('PUT', `/api/admin/prompts/${props.prompt.name}`, { content });
      setText(saved.content);
      props.onSaved(saved);
      setMessage({ kind: 'success', text: done });
    } catch (err) {
      if (session.intercept(err)) return;
      if (err instanceof ApiError && err.param === 'content') setError(err.message);
      else setMessage({ kind: 'error', text: `Nothing was saved: ${errorText(err)}` });
    } finally {
      setBusy(false);
      setAsking(false);
    }
  };

  const save = (e: Event) => {
    e.preventDefault();
    const found = validatePrompt(text);
    setError(found);
    if (found) {
      document.getElementById('prompt-text')?.focus();
      return;
    }
    void write(text, `${file} is saved; it applies to the next requests.`);
  };

  const same = useMemo(() => sameLines(text, props.prompt.default_text), [text, props.prompt.default_text]);
  const settled = useSettled(text, DIFF_DELAY_MS);
  const settledSame = useMemo(() => sameLines(settled, props.prompt.default_text), [settled, props.prompt.default_text]);
  // Open while the text differs, unless opened or closed by hand; the diff
  // is worked out only while open.
  const [diffChoice, setDiffChoice] = useState<boolean | null>(null);
  const diffOpen = diffChoice ?? !settledSame;
  return (
    <form class="card prompt-card" onSubmit={save} noValidate>
      <div class="setting-head">
        <h2>{file}</h2>
        <span class="setting-badges">
          {props.prompt.default ? <span class="badge badge-neutral">No file yet: built-in text</span>
            : same ? <span class="badge badge-ok">Same as built-in</span>
              : <span class="badge badge-accent">Customised</span>}
          {dirty && <span class="badge badge-warn">Unsaved</span>}
        </span>
      </div>
      {message && <Alert kind={message.kind}>{message.text}</Alert>}
      <TextAreaField id="prompt-text" label={`Text of ${file}`} value={text} rows={16} mono error={error}
        hint="Applies to the next requests once saved (aisbf reads it into its configuration)."
        onInput={(v) => { setText(v); setError(undefined); setMessage(null); }} />
      <div class="actions">
        <button type="submit" class="button button-primary" disabled={busy || !dirty}>{busy ? 'Saving…' : 'Save'}</button>
        <button type="button" class="button" disabled={busy || !dirty} onClick={() => setText(props.prompt.content)}>
          Discard changes
        </button>
        <button type="button" class="button button-danger" disabled={busy || (same && !props.prompt.default && !dirty)}
          onClick={() => setAsking(true)}>Reset to the built-in text…</button>
      </div>
      <details class="diff-details" open={diffOpen}
        onToggle={(e) => {
          const open = (e.currentTarget as HTMLDetailsElement).open;
          if (open !== diffOpen) setDiffChoice(open); // the reader's click, not the text's change
        }}>
        <summary>Difference from the built-in text</summary>
        {diffOpen && <Diff from={props.prompt.default_text} to={settled} />}
      </details>
      <ConfirmDialog open={asking} title={`Reset ${file}?`} confirmLabel="Reset to the built-in text" busyLabel="Resetting…"
        busy={busy} onConfirm={() => void write(props.prompt.default_text, `${file} is back to the built-in text.`)}
        onCancel={() => setAsking(false)}>
        <p>The file is written with aisbf’s built-in text; your version{dirty ? ', and your unsaved changes,' : ''} will be lost.</p>
      </ConfirmDialog>
    </form>
  );
}

export function Prompts() {
  const session = useSession();
  const [name, setName] = useState<string>(PROMPTS[0].name);
  const [prompt, setPrompt] = useState<Prompt | null>(null);
  const [failure, setFailure] = useState('');
  const [dirty, setDirty] = useState(false);
  const [switchTo, setSwitchTo] = useState<string | null>(null);
  const [round, setRound] = useState(0);

  useEffect(() => {
    let live = true;
    setPrompt(null);
    setFailure('');
    setDirty(false);
    api<Prompt>('GET', `/api/admin/prompts/${name}`).then(
      (p) => live && setPrompt(p),
      (err) => { if (live && !session.intercept(err)) setFailure(errorText(err)); },
    );
    return () => { live = false; };
  }, [name, round]);

  const choose = (next: string) => {
    if (next === name) return;
    if (dirty) setSwitchTo(next);
    else setName(next);
  };
  const about = PROMPTS.find((p) => p.name === name);

  return (
    <main id="main" class="page">
      <div class="page-head">
        <PageTitle>Prompts</PageTitle>
      </div>
      <p class="lead">The instructions aisbf sends to the models that select, condense and classify, as files in the configuration directory.</p>
      <div class="segmented" role="group" aria-label="Prompt file">
        {PROMPTS.map((p) => (
          <button key={p.name} type="button" class={`button${p.name === name ? ' button-selected' : ''}`}
            aria-pressed={p.name === name} onClick={() => choose(p.name)}>{p.title}</button>
        ))}
      </div>
      {about && <p class="muted small">{about.what}</p>}
      {failure && (
        <Alert>
          The prompt could not be loaded: {failure}{' '}
          <button type="button" class="link-button" onClick={() => setRound((r) => r + 1)}>Try again</button>
        </Alert>
      )}
      {!failure && !prompt && <Loading label="Loading the prompt…" />}
      {prompt && <PromptEditor key={prompt.name} prompt={prompt} onSaved={setPrompt} onDirty={setDirty} />}
      <ConfirmDialog open={switchTo !== null} title="Discard your changes?" confirmLabel="Discard and switch"
        onConfirm={() => { setName(switchTo!); setSwitchTo(null); }} onCancel={() => setSwitchTo(null)}>
        <p>Your changes to {name}.md are not saved.</p>
      </ConfirmDialog>
    </main>
  );
}
