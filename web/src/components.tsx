// Small shared pieces: links through the history API, form fields with
// their errors, a confirmation dialog, a copy button, alerts, loading and
// empty states, and inline SVG icons.
import type { ComponentChildren, JSX } from 'preact';
import { useEffect, useId, useRef, useState } from 'preact/hooks';
import { navigate } from './navigation';
import { href } from './routes';

export function Link(props: { to: string; class?: string; children: ComponentChildren; current?: boolean }) {
  const onClick = (e: MouseEvent) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(props.to);
  };
  return (
    <a href={href(props.to)} class={props.class} onClick={onClick} aria-current={props.current ? 'page' : undefined}>
      {props.children}
    </a>
  );
}

// The page's heading takes focus when the page changes, so that a screen
// reader or keyboard user starts there.
export function PageTitle(props: { children: ComponentChildren; onShown?: () => void }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    ref.current?.focus({ preventScroll: true });
    props.onShown?.();
  }, []);
  return (
    <h1 ref={ref} tabIndex={-1} class="page-title">
      {props.children}
    </h1>
  );
}

// The ids a field's hint and error get, for aria-describedby.
function describedBy(id: string, hint?: string, error?: string): string | undefined {
  return [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
}

function FieldNotes(props: { id: string; hint?: string; error?: string }) {
  return (
    <>
      {props.hint && <p class="field-hint" id={`${props.id}-hint`}>{props.hint}</p>}
      {props.error && (
        <p class="field-error" id={`${props.id}-error`}>
          {props.error}
        </p>
      )}
    </>
  );
}

export function Field(props: {
  id: string;
  label: string;
  type?: string;
  value: string;
  error?: string;
  hint?: string;
  autocomplete?: string;
  autofocus?: boolean;
  placeholder?: string;
  inputMode?: 'text' | 'numeric' | 'decimal' | 'url' | 'email';
  onInput: (value: string) => void;
}) {
  const described = describedBy(props.id, props.hint, props.error);
  const ref = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (props.autofocus) ref.current?.focus();
  }, []);
  return (
    <div class={`field${props.error ? ' field-invalid' : ''}`}>
      <label for={props.id}>{props.label}</label>
      <input
        ref={ref}
        id={props.id}
        name={props.id}
        type={props.type ?? 'text'}
        value={props.value}
        autocomplete={props.autocomplete}
        placeholder={props.placeholder}
        inputMode={props.inputMode}
        aria-invalid={props.error ? 'true' : undefined}
        aria-describedby={described}
        onInput={(e) => props.onInput((e.currentTarget as HTMLInputElement).value)}
      />
      <FieldNotes id={props.id} hint={props.hint} error={props.error} />
    </div>
  );
}

export interface Option {
  value: string;
  label: string;
}

export function SelectField(props: {
  id: string;
  label: string;
  value: string;
  options: readonly Option[];
  error?: string;
  hint?: string;
  onChange: (value: string) => void;
}) {
  return (
    <div class={`field${props.error ? ' field-invalid' : ''}`}>
      <label for={props.id}>{props.label}</label>
      <select id={props.id} name={props.id} value={props.value} aria-invalid={props.error ? 'true' : undefined}
        aria-describedby={describedBy(props.id, props.hint, props.error)}
        onChange={(e) => props.onChange((e.currentTarget as HTMLSelectElement).value)}>
        {props.options.map((o) => <option key={o.value} value={o.value}>{o.label}</option>)}
      </select>
      <FieldNotes id={props.id} hint={props.hint} error={props.error} />
    </div>
  );
}

export function TextAreaField(props: {
  id: string;
  label: string;
  value: string;
  rows?: number;
  mono?: boolean; // code, JSON, prompts
  error?: string;
  hint?: string;
  onInput: (value: string) => void;
}) {
  return (
    <div class={`field${props.error ? ' field-invalid' : ''}`}>
      <label for={props.id}>{props.label}</label>
      <textarea id={props.id} name={props.id} rows={props.rows ?? 6} class={props.mono ? 'mono' : undefined}
        value={props.value} spellcheck={props.mono ? false : undefined}
        aria-invalid={props.error ? 'true' : undefined} aria-describedby={describedBy(props.id, props.hint, props.error)}
        onInput={(e) => props.onInput((e.currentTarget as HTMLTextAreaElement).value)} />
      <FieldNotes id={props.id} hint={props.hint} error={props.error} />
    </div>
  );
}

export function CheckboxField(props: {
  id: string;
  label: string;
  checked: boolean;
  hint?: string;
  error?: string;
  onChange: (checked: boolean) => void;
}) {
  return (
    <div class={`field field-check${props.error ? ' field-invalid' : ''}`}>
      <input type="checkbox" id={props.id} name={props.id} checked={props.checked}
        aria-describedby={describedBy(props.id, props.hint, props.error)}
        onChange={(e) => props.onChange((e.currentTarget as HTMLInputElement).checked)} />
      <label for={props.id}>{props.label}</label>
      <FieldNotes id={props.id} hint={props.hint} error={props.error} />
    </div>
  );
}

// What to show for a failed call: the server's message, or the error's.
export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

// A question before a destructive (or otherwise weighty) action, in a real
// dialog: focus inside, Esc cancels, the confirm button names the action.
export function ConfirmDialog(props: {
  open: boolean;
  title: string;
  children: ComponentChildren;
  confirmLabel: string;
  busyLabel?: string;
  busy?: boolean;
  danger?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (props.open && !d.open) d.showModal();
    if (!props.open && d.open) d.close();
  }, [props.open]);
  return (
    <dialog ref={ref} class="dialog" aria-labelledby={titleId}
      onCancel={(e) => { e.preventDefault(); if (!props.busy) props.onCancel(); }}>
      <h2 id={titleId}>{props.title}</h2>
      <div class="dialog-body">{props.children}</div>
      <div class="actions">
        <button type="button" class={`button ${props.danger === false ? 'button-primary' : 'button-danger'}`}
          onClick={props.onConfirm} disabled={props.busy}>
          {props.busy ? (props.busyLabel ?? `${props.confirmLabel}…`) : props.confirmLabel}
        </button>
        <button type="button" class="button" onClick={props.onCancel} disabled={props.busy}>Cancel</button>
      </div>
    </dialog>
  );
}

// Copies `text` to the clipboard and says so (for a screen reader too).
export function CopyButton(props: { text: string; label?: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  useEffect(() => {
    if (state === 'idle') return;
    const t = setTimeout(() => setState('idle'), 2000);
    return () => clearTimeout(t);
  }, [state]);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(props.text);
      setState('copied');
    } catch {
      setState('failed'); // no clipboard (plain http on a remote host): the text is shown to select
    }
  };
  const label = props.label ?? 'Copy';
  return (
    <button type="button" class="button button-small" onClick={copy}>
      <CopyIcon />
      <span aria-live="polite">{state === 'copied' ? 'Copied' : state === 'failed' ? 'Copy failed: select the text' : label}</span>
    </button>
  );
}

export function Alert(props: { kind?: 'error' | 'info' | 'success'; children: ComponentChildren }) {
  const kind = props.kind ?? 'error';
  return (
    <div class={`alert alert-${kind}`} role={kind === 'error' ? 'alert' : 'status'}>
      {props.children}
    </div>
  );
}

export function Loading(props: { label: string }) {
  return (
    <div class="loading" role="status" aria-live="polite">
      <span class="spinner" aria-hidden="true" />
      <span>{props.label}</span>
    </div>
  );
}

export function Empty(props: { title: string; children?: ComponentChildren }) {
  return (
    <div class="empty">
      <p class="empty-title">{props.title}</p>
      {props.children && <p class="empty-text">{props.children}</p>}
    </div>
  );
}

type IconProps = JSX.SVGAttributes<SVGSVGElement>;
const svg = (path: JSX.Element) => (props: IconProps) => (
  <svg viewBox="0 0 24 24" width="20" height="20" fill="none" stroke="currentColor" stroke-width="2"
    stroke-linecap="round" stroke-linejoin="round" aria-hidden="true" focusable="false" {...props}>
    {path}
  </svg>
);

export const SunIcon = svg(
  <>
    <circle cx="12" cy="12" r="4" />
    <path d="M12 2v2M12 20v2M4.9 4.9l1.4 1.4M17.7 17.7l1.4 1.4M2 12h2M20 12h2M4.9 19.1l1.4-1.4M17.7 6.3l1.4-1.4" />
  </>,
);
export const MoonIcon = svg(<path d="M21 12.8A9 9 0 1 1 11.2 3a7 7 0 0 0 9.8 9.8z" />);
export const LogoutIcon = svg(
  <>
    <path d="M9 21H5a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2h4" />
    <path d="M16 17l5-5-5-5M21 12H9" />
  </>,
);
export const MenuIcon = svg(<path d="M4 6h16M4 12h16M4 18h16" />);
export const CopyIcon = svg(
  <>
    <rect x="9" y="9" width="12" height="12" rx="2" />
    <path d="M5 15H4a2 2 0 0 1-2-2V4a2 2 0 0 1 2-2h9a2 2 0 0 1 2 2v1" />
  </>,
);
export const UserIcon = svg(
  <>
    <circle cx="12" cy="8" r="4" />
    <path d="M4 21a8 8 0 0 1 16 0" />
  </>,
);
export const LogoIcon = (props: IconProps) => (
  <svg viewBox="0 0 32 32" width="28" height="28" aria-hidden="true" focusable="false" {...props}>
    <rect width="32" height="32" rx="7" fill="var(--accent)" />
    <path d="M8 22 16 8l8 14h-4.2L16 15l-3.8 7z" fill="var(--accent-fg)" />
  </svg>
);

export function LoadingScreen() {
  return (
    <main id="main" class="page">
      <Loading label="Loading…" />
    </main>
  );
}
