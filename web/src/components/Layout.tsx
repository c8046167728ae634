import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, NavLink, useLocation, useNavigate } from 'react-router';
import { api, type User } from '../api';
import { ME_KEY, useMe } from '../auth';
import { LangSwitch } from './LangSwitch';
import { NAV } from './nav';

function Brand() {
  return (
    <Link to="/" className="brand" aria-label="GreenTrade / 绿色贸易">
      <img src="/favicon.svg" alt="" width={28} height={28} />
      <span className="brand-name">
        GreenTrade <span className="brand-sep">/</span> <span lang="zh-CN">绿色贸易</span>
      </span>
    </Link>
  );
}

function UserMenu({ user }: { user: User }) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  const ref = useRef<HTMLDivElement>(null);
  const client = useQueryClient();
  const navigate = useNavigate();
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (!open) return;
    const close = (e: MouseEvent | KeyboardEvent) => {
      if (e instanceof KeyboardEvent ? e.key === 'Escape' : !ref.current?.contains(e.target as Node))
        setOpen(false);
    };
    document.addEventListener('mousedown', close);
    document.addEventListener('keydown', close);
    return () => {
      document.removeEventListener('mousedown', close);
      document.removeEventListener('keydown', close);
    };
  }, [open]);

  const logout = async () => {
    setBusy(true);
    try {
      await api.logout();
    } catch {
      // signed out locally all the same
    }
    client.clear();
    client.setQueryData(ME_KEY, null);
    setBusy(false);
    void navigate('/login', { replace: true });
  };

  const initials = (user.name || user.email).trim().slice(0, 1).toUpperCase();
  return (
    <div className="user-menu" ref={ref}>
      <button
        type="button"
        className="user-button"
        aria-haspopup="menu"
        aria-expanded={open}
        onClick={() => setOpen((o) => !o)}
        data-testid="user-menu"
      >
        <span className="avatar" aria-hidden="true">
          {initials}
        </span>
        <span className="user-name">{user.name || user.email}</span>
      </button>
      {open ? (
        <div className="user-dropdown" role="menu">
          <div className="user-card">
            <strong>{user.name}</strong>
            <span className="muted">{user.email}</span>
          </div>
          {user.memberships.length > 0 ? (
            <ul className="user-orgs" aria-label={t('header.organisations')}>
              {user.memberships.map((m) => (
                <li key={`${m.orgId}-${m.role}`}>
                  <span>{m.orgName}</span>
                  <span className="badge badge-gray">{t(`roles.${m.role}`, { defaultValue: m.role })}</span>
                </li>
              ))}
            </ul>
          ) : null}
          <button
            type="button"
            role="menuitem"
            className="btn btn-secondary btn-block"
            onClick={logout}
            disabled={busy}
            data-testid="logout"
          >
            {t('header.logout')}
          </button>
        </div>
      ) : null}
    </div>
  );
}

function Navigation({ onNavigate }: { onNavigate: () => void }) {
  const { t } = useTranslation();
  return (
    <nav className="side-nav" aria-label={t('nav.label')} data-testid="main-nav">
      {NAV.map((section) => (
        <div className="nav-section" key={section.id}>
          <div className="nav-section-title">{t(section.title)}</div>
          <ul>
            {section.items.map((item) => (
              <li key={item.to}>
                <NavLink
                  to={item.to}
                  end={item.end ?? false}
                  onClick={onNavigate}
                  className={({ isActive }) => (isActive ? 'active' : '')}
                >
                  {t(item.label)}
                </NavLink>
              </li>
            ))}
          </ul>
        </div>
      ))}
    </nav>
  );
}

export function Layout({ children }: { children: ReactNode }) {
  const { t } = useTranslation();
  const { user } = useMe();
  const location = useLocation();
  // The drawer is open on the page where it was opened: navigating closes it.
  const [navOpenOn, setNavOpenOn] = useState<string | null>(null);
  const navOpen = navOpenOn === location.pathname;
  const setNavOpen = (open: boolean) => setNavOpenOn(open ? location.pathname : null);
  const signedIn = Boolean(user);

  return (
    <div className={`app ${signedIn ? 'with-nav' : 'no-nav'} ${navOpen ? 'nav-open' : ''}`}>
      <header className="app-header">
        {signedIn ? (
          <button
            type="button"
            className="nav-toggle"
            aria-expanded={navOpen}
            aria-controls="app-nav"
            onClick={() => setNavOpen(!navOpen)}
            data-testid="nav-toggle"
          >
            <span className="visually-hidden">{navOpen ? t('nav.close') : t('nav.open')}</span>
            <span className="burger" aria-hidden="true" />
          </button>
        ) : null}
        <Brand />
        <div className="header-spacer" />
        <LangSwitch />
        {user ? <UserMenu user={user} /> : null}
      </header>
      {signedIn ? (
        <div id="app-nav" className="nav-panel">
          <Navigation onNavigate={() => setNavOpen(false)} />
        </div>
      ) : null}
      {signedIn && navOpen ? (
        <div className="nav-backdrop" onClick={() => setNavOpen(false)} aria-hidden="true" />
      ) : null}
      <main className="app-main" id="main">
        {children}
      </main>
      <footer className="app-footer muted">{t('footer.text')}</footer>
    </div>
  );
}
