/**
 * The account window: a filterable list sorted by urgency on the left, the selected account (or
 * the add/edit form) on the right, dialogs for import, export and settings, and at the foot what
 * the tray menu offers (pause, start at login, quit). Live updates come from `onAccountsChanged`,
 * `onPausedChanged` and `onSettingsChanged`; the tray opens an account through `onFocusAccount`.
 */
import type { JSX } from 'preact';
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { AccountView, AppInfo, ProxyLoginRequest, Settings } from '../../../preload/contract.js';
import { errorMessage, tokentray } from '../api.js';
import { filterAccounts, sortByUrgency } from '../urgency.js';
import { AccountDetails } from './AccountDetails.js';
import { AccountForm } from './AccountForm.js';
import { AccountList } from './AccountList.js';
import { AppBar } from './AppBar.js';
import { DiscardDialog } from './DiscardDialog.js';
import { ExportDialog } from './ExportDialog.js';
import { Icon, Logo } from './icons.js';
import { ImportDialog } from './ImportDialog.js';
import { Overview } from './Overview.js';
import { ProxyLoginDialog } from './ProxyLoginDialog.js';
import { RemoveDialog } from './RemoveDialog.js';
import { SettingsDialog } from './SettingsDialog.js';
import { Toasts, useToasts } from './toasts.js';
import { StartupNotices } from './StartupNotices.js';
import { WeakStorageBanner } from './WeakStorageBanner.js';

type Pane = { kind: 'details' } | { kind: 'add' } | { kind: 'edit'; name: string };
type DialogKind = 'import' | 'export' | 'settings' | 'remove' | null;

/** Re-renders every `ms` so times left stay current. */
function useNow(ms: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(timer);
  }, [ms]);
  return now;
}

/**
 * Focuses `selector` once it has rendered, unless the user has put the focus somewhere else in
 * the meantime (a busy page can run this timer after their next click). `preferred`, when it is
 * there, wins (the Sign in… of an account that needs it).
 */
function focusSoon(selector: string, preferred?: string): void {
  const before = document.activeElement;
  setTimeout(() => {
    const now = document.activeElement;
    const movedOn = now !== null && now !== before && now !== document.body && now.isConnected;
    if (movedOn) return;
    const target =
      (preferred && document.querySelector<HTMLElement>(preferred)) ||
      document.querySelector<HTMLElement>(selector);
    target?.focus();
  }, 0);
}

/** The root component. */
export function App(): JSX.Element {
  const api = tokentray()!;
  const [accounts, setAccounts] = useState<AccountView[]>([]);
  const [loaded, setLoaded] = useState(false);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [info, setInfo] = useState<AppInfo | null>(null);
  const [settings, setSettings] = useState<Settings | null>(null);
  const [paused, setPaused] = useState<boolean | null>(null);
  const [query, setQuery] = useState('');
  const [selected, setSelected] = useState<string | null>(null);
  const [pane, setPane] = useState<Pane>({ kind: 'details' });
  const [dialog, setDialog] = useState<DialogKind>(null);
  /** An account kept in the store but not loaded (StartupNotices), being removed. */
  const [removingSetAside, setRemovingSetAside] = useState<string | null>(null);
  /** The form differs from what it opened with; leaving it asks first. */
  const formDirty = useRef(false);
  const [pendingLeave, setPendingLeave] = useState<(() => void) | null>(null);
  const onDirtyChange = useCallback((dirty: boolean) => {
    formDirty.current = dirty;
  }, []);
  // Closing the window (or quitting from the tray) with unsaved changes: the page says so, and
  // main asks the person (window.ts, 'will-prevent-unload'); inside the window, leaveForm asks.
  useEffect(() => {
    const onBeforeUnload = (event: BeforeUnloadEvent): void => {
      if (!formDirty.current) return;
      event.preventDefault();
      event.returnValue = '';
    };
    window.addEventListener('beforeunload', onBeforeUnload);
    return () => window.removeEventListener('beforeunload', onBeforeUnload);
  }, []);
  /** Runs `leave` at once, or after the user agreed to drop the form's unsaved changes. */
  const leaveForm = useCallback((leave: () => void) => {
    if (formDirty.current) setPendingLeave(() => leave);
    else leave();
  }, []);
  const { toasts, notify } = useToasts();
  /** Proxy sign-in prompts from main, first shown first; ids answered are not shown again (main repeats its push). */
  const [proxyLogins, setProxyLogins] = useState<ProxyLoginRequest[]>([]);
  const answeredProxyLogins = useRef(new Set<string>());
  const addProxyLogin = useCallback((request: ProxyLoginRequest) => {
    if (answeredProxyLogins.current.has(request.id)) return;
    setProxyLogins((old) => (old.some((r) => r.id === request.id) ? old : [...old, request]));
  }, []);
  const now = useNow(1000);
  const listRef = useRef<HTMLDivElement | null>(null);

  useEffect(() => {
    const offChanged = api.onAccountsChanged((views) => setAccounts(views));
    const offPaused = api.onPausedChanged((value) => setPaused(value));
    const offSettings = api.onSettingsChanged((value) => setSettings(value));
    const offProxyLogin = api.onProxyLogin(addProxyLogin);
    void api
      .pendingProxyLogins()
      .then((requests) => requests.forEach(addProxyLogin))
      .catch(() => {
        // Main pushes a waiting prompt again: it shows then.
      });
    const offFocus = api.onFocusAccount((name) =>
      leaveForm(() => {
        setQuery('');
        setSelected(name);
        setPane({ kind: 'details' });
        // From a "sign-in needed" notification or the tray: straight to its Sign in… button.
        focusSoon('#details-title', '#sign-in-button[data-sign-in-needed]');
      }),
    );
    Promise.all([api.listAccounts(), api.appInfo(), api.getSettings(), api.getPaused()])
      .then(([views, appInfo, appSettings, appPaused]) => {
        setAccounts(views);
        setInfo(appInfo);
        setSettings(appSettings);
        setPaused(appPaused);
        setLoaded(true);
      })
      .catch((error: unknown) => setLoadError(errorMessage(error)));
    return () => {
      offChanged();
      offPaused();
      offSettings();
      offFocus();
      offProxyLogin();
    };
  }, [api, leaveForm, addProxyLogin]);

  const sorted = useMemo(() => sortByUrgency(accounts), [accounts]);
  const visible = useMemo(() => filterAccounts(sorted, query), [sorted, query]);
  const selectedView = selected === null ? undefined : accounts.find((view) => view.name === selected);
  const editing = pane.kind === 'edit' ? accounts.find((view) => view.name === pane.name) : undefined;

  const select = useCallback(
    (name: string) =>
      leaveForm(() => {
        setSelected(name);
        setPane({ kind: 'details' });
      }),
    [leaveForm],
  );
  const openAddForm = () => leaveForm(() => setPane({ kind: 'add' }));

  const replaceView = useCallback(
    (view: AccountView) => setAccounts((old) => old.map((v) => (v.name === view.name ? view : v))),
    [],
  );

  const onSaved = (view: AccountView) => {
    setAccounts((old) => {
      const rest = old.filter(
        (v) => v.name !== view.name && v.name !== (pane.kind === 'edit' ? pane.name : ''),
      );
      return [...rest, view];
    });
    setSelected(view.name);
    setPane({ kind: 'details' });
    notify(pane.kind === 'edit' ? `Saved ${view.name}` : `Added ${view.name}`);
    focusSoon('#details-title');
    // A pasted token is read (and its JWT exp found) only when first asked for: ask now, so the
    // list shows its real expiry instead of "no token yet". Harmless when it is already known.
    if (view.preset === 'static' && view.expiresAt === null && view.error === null) {
      void api.renewAccount(view.name).then((result) => result.ok && replaceView(result.account));
    }
  };

  const cliCommand = info?.cliCommand ?? 'tokentray';
  let content: JSX.Element;
  if (loadError) {
    content = (
      <div class="empty">
        <p class="error-text">Could not load the accounts: {loadError}</p>
      </div>
    );
  } else if (pane.kind === 'add' || (pane.kind === 'edit' && editing)) {
    content = (
      <AccountForm
        key={pane.kind === 'edit' ? `edit-${pane.name}` : 'add'}
        view={editing}
        settings={settings}
        cliCommand={cliCommand}
        onSaved={onSaved}
        onDirtyChange={onDirtyChange}
        onCancel={() =>
          leaveForm(() => {
            setPane({ kind: 'details' });
            focusSoon(selectedView ? '#details-title' : '.list');
          })
        }
      />
    );
  } else if (selectedView) {
    content = (
      <AccountDetails
        view={selectedView}
        cliCommand={cliCommand}
        now={now}
        notify={notify}
        onEdit={() => setPane({ kind: 'edit', name: selectedView.name })}
        onRemove={() => setDialog('remove')}
        onUpdated={replaceView}
      />
    );
  } else {
    content = (
      <div class={loaded && accounts.length > 0 ? 'empty wide' : 'empty'}>
        {loaded && accounts.length === 0 ? (
          <>
            <h2>Keep your API tokens fresh</h2>
            <p class="muted">
              Add an account for MSP360, backup.net, MPS Monitor, Acronis, any OAuth 2.0 server, or paste a
              token. Tokentray renews it before it expires and hands it to you and your scripts.
            </p>
            <button type="button" class="button primary" onClick={openAddForm}>
              <Icon name="plus" /> Add your first account
            </button>
          </>
        ) : loaded ? (
          <Overview accounts={accounts} onAdd={openAddForm} />
        ) : (
          <p class="muted">Loading…</p>
        )}
      </div>
    );
  }

  const countText =
    query.trim() === ''
      ? `${accounts.length.toLocaleString('en')} ${accounts.length === 1 ? 'account' : 'accounts'}`
      : `${visible.length.toLocaleString('en')} of ${accounts.length.toLocaleString('en')}`;

  return (
    <div class="app">
      <header class="topbar">
        <div class="brand">
          <Logo />
          <h1>Tokentray</h1>
        </div>
        <nav class="topbar-actions" aria-label="Window actions">
          <button type="button" class="button ghost" onClick={() => setDialog('import')}>
            <Icon name="upload" /> Import
          </button>
          <button
            type="button"
            class="button ghost"
            onClick={() => setDialog('export')}
            disabled={accounts.length === 0}
          >
            <Icon name="download" /> Export
          </button>
          <button
            type="button"
            class="button ghost"
            onClick={() => setDialog('settings')}
            disabled={!settings || !info}
          >
            <Icon name="gear" /> Settings
          </button>
          <button type="button" class="button primary" onClick={openAddForm}>
            <Icon name="plus" /> Add account
          </button>
        </nav>
      </header>

      {info && (
        <StartupNotices
          notices={info.notices ?? []}
          setAside={info.setAsideAccounts ?? []}
          onRemove={(name) => setRemovingSetAside(name)}
        />
      )}
      {info?.storageProtection === 'weak' && settings && (
        <WeakStorageBanner info={info} settings={settings} onChange={setSettings} />
      )}

      <div class="panes">
        <aside class="sidebar" aria-label="Accounts">
          <div class="search">
            <Icon name="search" class="search-icon" />
            <input
              type="search"
              class="input"
              placeholder="Filter by name"
              aria-label="Filter accounts by name"
              value={query}
              onInput={(event) => setQuery(event.currentTarget.value)}
              onKeyDown={(event) => {
                if (event.key === 'ArrowDown' && visible.length > 0) {
                  event.preventDefault();
                  if (!visible.some((v) => v.name === selected)) select(visible[0]!.name);
                  listRef.current?.focus();
                }
              }}
            />
          </div>
          <p class="list-count" role="status" data-testid="account-count">
            {countText}
          </p>
          {loaded && visible.length === 0 && accounts.length > 0 ? (
            <p class="list-empty muted">No account matches “{query.trim()}”.</p>
          ) : (
            <AccountList
              views={visible}
              selected={pane.kind === 'add' ? null : selected}
              onSelect={select}
              onOpen={() => focusSoon('#details-title')}
              now={now}
              listRef={listRef}
            />
          )}
        </aside>
        <main class="content">{content}</main>
      </div>

      <AppBar
        paused={paused}
        settings={settings}
        onPausedChange={setPaused}
        onSettingsChange={setSettings}
        notify={notify}
      />

      <Toasts toasts={toasts} />

      {dialog === 'import' && (
        <ImportDialog
          onClose={() => setDialog(null)}
          onImported={(names) => {
            notify(`Imported ${names.length} ${names.length === 1 ? 'account' : 'accounts'}`);
            void api.listAccounts().then(setAccounts);
          }}
        />
      )}
      {pendingLeave && (
        <DiscardDialog
          editing={pane.kind === 'edit' ? pane.name : null}
          onKeep={() => setPendingLeave(null)}
          onDiscard={() => {
            const leave = pendingLeave;
            formDirty.current = false;
            setPendingLeave(null);
            leave();
          }}
        />
      )}
      {dialog === 'export' && <ExportDialog count={accounts.length} onClose={() => setDialog(null)} />}
      {dialog === 'settings' && settings && info && (
        <SettingsDialog
          settings={settings}
          info={info}
          onClose={() => setDialog(null)}
          onSaved={(next) => {
            setSettings(next);
            notify('Settings saved');
          }}
        />
      )}
      {dialog === 'remove' && selectedView && (
        <RemoveDialog
          name={selectedView.name}
          onClose={() => setDialog(null)}
          onRemoved={() => {
            const name = selectedView.name;
            setAccounts((old) => old.filter((v) => v.name !== name));
            setSelected(null);
            setDialog(null);
            notify(`Removed ${name}`);
            focusSoon('.list');
          }}
        />
      )}
      {removingSetAside !== null && (
        <RemoveDialog
          name={removingSetAside}
          onClose={() => setRemovingSetAside(null)}
          onRemoved={() => {
            const name = removingSetAside;
            setRemovingSetAside(null);
            notify(`Removed ${name}`);
            // The notice about it goes: main's notices no longer hold it.
            void api.appInfo().then(setInfo);
          }}
        />
      )}
      {proxyLogins[0] && (
        <ProxyLoginDialog
          key={proxyLogins[0].id}
          request={proxyLogins[0]}
          onDone={(id, delivered) => {
            if (delivered) answeredProxyLogins.current.add(id);
            setProxyLogins((old) => old.filter((r) => r.id !== id));
          }}
        />
      )}
    </div>
  );
}
