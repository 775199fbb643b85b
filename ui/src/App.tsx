// The explorer's shell: navigation, theme, the API key prompt and the views.
import { useEffect, useState } from 'preact/hooks';
import { Explorer } from './pages/Explorer.tsx';
import { Pipelines } from './pages/Pipelines.tsx';
import { Charts } from './pages/Charts.tsx';
import { KeyPrompt } from './components/KeyPrompt.tsx';
import { ThemeToggle } from './components/ThemeToggle.tsx';

type View = 'explore' | 'pipelines' | 'dead-letters' | 'charts';

function viewOf(pathname: string): View {
  if (pathname.startsWith('/ui/pipelines')) return 'pipelines';
  if (pathname.startsWith('/ui/dead-letters')) return 'dead-letters';
  if (pathname.startsWith('/ui/charts')) return 'charts';
  return 'explore';
}

/** Moves within the page (no reload): the URL changes and every view reads it again. */
export function go(url: string, replace = false): void {
  if (replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  dispatchEvent(new PopStateEvent('popstate'));
}

export function useLocation(): Location {
  const [, setTick] = useState(0);
  useEffect(() => {
    const changed = () => setTick((tick) => tick + 1);
    addEventListener('popstate', changed);
    return () => removeEventListener('popstate', changed);
  }, []);
  return location;
}

export function App() {
  const { pathname } = useLocation();
  const view = viewOf(pathname);
  const link = (target: View, href: string, label: string) => (
    <a href={href} class={view === target ? 'active' : ''} onClick={(event) => { event.preventDefault(); go(href); }}>{label}</a>
  );
  return (
    <div class="app">
      <header class="topbar">
        <span class="brand">Tributary</span>
        <nav>
          {link('explore', '/', 'Explore')}
          {link('charts', '/ui/charts', 'Charts')}
          {link('pipelines', '/ui/pipelines', 'Pipelines')}
          {link('dead-letters', '/ui/dead-letters', 'Dead letters')}
        </nav>
        <span class="spacer" />
        <KeyPrompt />
        <ThemeToggle />
      </header>
      {view === 'pipelines' ? <Pipelines /> : view === 'charts' ? <Charts /> : <Explorer key={view} deadLetters={view === 'dead-letters'} />}
    </div>
  );
}
