/** The console's shared pieces: loading with polling, problem display, confirmation dialogs, tabs, links. */
import type { ComponentChildren, JSX } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, Problem } from './api';
import { BASE } from './router';

/** A value, or an em dash when there is none (fields the API may not give yet: eta, late). */
export const dash = (value: unknown): string => (value === undefined || value === null || value === '' ? '—' : String(value));

export const yesNo = (value: boolean | null | undefined): string => (value === undefined || value === null ? '—' : value ? 'Late' : 'On time');

export const date = (value: string | null | undefined): string => {
  if (!value) return '—';
  const parsed = new Date(value);
  return Number.isNaN(parsed.getTime()) ? value : value.length <= 10 ? value : parsed.toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
};

export const problemOf = (error: unknown): Problem =>
  error instanceof ApiError ? error.problem : { status: 0, title: 'Something went wrong', detail: error instanceof Error ? error.message : String(error) };

export interface Loaded<T> {
  data: T | undefined;
  error: Problem | undefined;
  loading: boolean;
  reload: () => void;
}

/** Loads with `load` when `key` changes, and again every `pollMs` if given (a live screen). */
export const useLoad = <T,>(load: () => Promise<T>, key: string, pollMs?: number): Loaded<T> => {
  const [state, setState] = useState<{ key: string; data?: T; error?: Problem; loading: boolean }>({ key, loading: true });
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  useEffect(() => {
    let live = true;
    setState((previous) => (previous.key === key ? { ...previous, loading: true } : { key, loading: true }));
    loadRef.current().then(
      (data) => live && setState({ key, data, loading: false }),
      (error: unknown) => live && setState((previous) => ({ key, ...(previous.key === key && previous.data !== undefined ? { data: previous.data } : {}), error: problemOf(error), loading: false })),
    );
    return () => {
      live = false;
    };
  }, [key, tick]);
  useEffect(() => {
    if (!pollMs) return undefined;
    const timer = setInterval(() => {
      if (!document.hidden) setTick((value) => value + 1);
    }, pollMs);
    return () => clearInterval(timer);
  }, [key, pollMs]);
  const reload = useCallback(() => setTick((value) => value + 1), []);
  const current = state.key === key ? state : { loading: true, data: undefined, error: undefined };
  return { data: current.data, error: current.error, loading: current.loading, reload };
};

/** The API's refusal as it gave it: title, code, detail and the fields it named. */
export const ProblemView = ({ problem, context }: { problem: Problem; context?: string }) => (
  <div class="problem" role="alert">
    <p class="problem-title">
      {context ? `${context}: ` : ''}
      <strong>{problem.title}</strong>
      {problem.status ? <span class="muted"> ({problem.status})</span> : null}
      {problem.code ? (
        <>
          {' '}
          <code class="problem-code">{problem.code}</code>
        </>
      ) : null}
    </p>
    {problem.detail ? <p class="problem-detail">{problem.detail}</p> : null}
    {problem.errors && problem.errors.length > 0 ? (
      <ul class="problem-fields">
        {problem.errors.map((error, index) => (
          <li key={index}>
            {error.field ? <code>{error.field}</code> : null} {error.message}
          </li>
        ))}
      </ul>
    ) : null}
  </div>
);

/** Shows what is loading or what failed, and the content once there is data. */
export const Loading = <T,>({ loaded, label, children }: { loaded: Loaded<T>; label: string; children: (data: T) => ComponentChildren }) => (
  <>
    {loaded.error ? <ProblemView problem={loaded.error} context={`Loading ${label}`} /> : null}
    {loaded.data !== undefined ? children(loaded.data) : loaded.loading ? <p class="muted" role="status">Loading {label}…</p> : null}
  </>
);

export const Link = ({ to, children, ...rest }: { to: string; children: ComponentChildren } & Omit<JSX.HTMLAttributes<HTMLAnchorElement>, 'href'>) => (
  <a href={`${BASE}${to}`} {...rest}>
    {children}
  </a>
);

export const StatusBadge = ({ status }: { status: string }) => <span class={`badge badge-${status.toLowerCase()}`}>{status.replace(/_/g, ' ')}</span>;

let dialogIds = 0;

/**
 * A modal confirmation (the native <dialog>: focus stays inside, Escape closes it). It says what
 * the action will do, runs it on Confirm, and shows the API's problem text if it is refused.
 */
export const ConfirmDialog = ({
  title,
  description,
  confirmLabel,
  danger,
  onConfirm,
  onClose,
  children,
}: {
  title: string;
  description: ComponentChildren;
  confirmLabel: string;
  danger?: boolean;
  onConfirm: () => Promise<unknown>;
  onClose: (done: boolean) => void;
  children?: ComponentChildren;
}) => {
  const ref = useRef<HTMLDialogElement>(null);
  const [id] = useState(() => `dialog-${++dialogIds}`);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<Problem | undefined>();
  const confirmRef = useRef<HTMLButtonElement>(null);
  const cancelRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog || dialog.open) return;
    dialog.showModal();
    // Enter confirms: focus starts in the first field (Enter there submits the form) or, with no
    // field, on the confirm button; for a destructive action with no field, on Cancel instead, so a
    // stray Enter does no harm (Tab reaches the confirm button).
    const field = dialog.querySelector<HTMLElement>('input, select, textarea');
    (field ?? (danger ? cancelRef.current : confirmRef.current))?.focus();
  }, []);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setProblem(undefined);
    try {
      await onConfirm();
      ref.current?.close();
      onClose(true);
    } catch (error) {
      setProblem(problemOf(error));
      setBusy(false);
    }
  };
  return (
    <dialog
      ref={ref}
      class="dialog"
      aria-labelledby={`${id}-title`}
      aria-describedby={`${id}-description`}
      onCancel={(event) => {
        event.preventDefault();
        if (!busy) onClose(false);
      }}
    >
      <form method="dialog" onSubmit={submit}>
        <h2 id={`${id}-title`}>{title}</h2>
        <div id={`${id}-description`} class="dialog-description">
          {description}
        </div>
        {children}
        {problem ? <ProblemView problem={problem} context="Refused" /> : null}
        <div class="dialog-actions">
          <button ref={cancelRef} type="button" onClick={() => onClose(false)} disabled={busy}>
            Cancel
          </button>
          <button ref={confirmRef} type="submit" class={danger ? 'danger' : 'primary'} disabled={busy}>
            {busy ? 'Working…' : confirmLabel}
          </button>
        </div>
      </form>
    </dialog>
  );
};

/** Tabs as ARIA describes them: arrow keys, Home and End move between them; the panel follows. */
export const Tabs = <K extends string>({ label, tabs, selected, onSelect, idPrefix }: { label: string; tabs: readonly { key: K; label: string }[]; selected: K; onSelect: (key: K) => void; idPrefix: string }) => {
  const refs = useRef<(HTMLButtonElement | null)[]>([]);
  const move = (event: KeyboardEvent, index: number) => {
    const last = tabs.length - 1;
    const target = event.key === 'ArrowRight' ? (index === last ? 0 : index + 1) : event.key === 'ArrowLeft' ? (index === 0 ? last : index - 1) : event.key === 'Home' ? 0 : event.key === 'End' ? last : undefined;
    if (target === undefined) return;
    event.preventDefault();
    onSelect(tabs[target]!.key);
    refs.current[target]?.focus();
  };
  return (
    <div role="tablist" aria-label={label} class="tabs">
      {tabs.map((tab, index) => (
        <button
          key={tab.key}
          ref={(element) => void (refs.current[index] = element)}
          type="button"
          role="tab"
          id={`${idPrefix}-tab-${tab.key}`}
          aria-selected={tab.key === selected}
          aria-controls={`${idPrefix}-panel`}
          tabIndex={tab.key === selected ? 0 : -1}
          onClick={() => onSelect(tab.key)}
          onKeyDown={(event) => move(event, index)}
        >
          {tab.label}
        </button>
      ))}
    </div>
  );
};

/** Previous / next over cursor pages: the cursors seen are kept, so Previous goes back exactly. */
export const usePager = (key: string) => {
  const [state, setState] = useState<{ key: string; cursors: (string | undefined)[] }>({ key, cursors: [undefined] });
  const cursors = state.key === key ? state.cursors : [undefined];
  const after = cursors[cursors.length - 1];
  return {
    after,
    page: cursors.length,
    next: (cursor: string | null) => cursor && setState({ key, cursors: [...cursors, cursor] }),
    previous: () => setState({ key, cursors: cursors.length > 1 ? cursors.slice(0, -1) : cursors }),
  };
};

export const Pager = ({ page, next, onNext, onPrevious, label }: { page: number; next: string | null | undefined; onNext: () => void; onPrevious: () => void; label: string }) => (
  <nav class="pager" aria-label={`${label} pages`}>
    <button type="button" onClick={onPrevious} disabled={page <= 1}>
      Previous page
    </button>
    <span aria-live="polite">Page {page}</span>
    <button type="button" onClick={onNext} disabled={!next}>
      Next page
    </button>
  </nav>
);
