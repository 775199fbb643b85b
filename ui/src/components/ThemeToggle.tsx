import { useEffect, useState } from 'preact/hooks';

const STORAGE = 'tributary.theme';

function initialTheme(): 'light' | 'dark' {
  const saved = localStorage.getItem(STORAGE);
  if (saved === 'light' || saved === 'dark') return saved;
  return matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

export function ThemeToggle() {
  const [theme, setTheme] = useState(initialTheme);
  useEffect(() => { document.documentElement.dataset.theme = theme; }, [theme]);
  const next = theme === 'dark' ? 'light' : 'dark';
  return (
    <button class="ghost" title={`Switch to ${next} mode`} aria-label={`Switch to ${next} mode`}
      onClick={() => { localStorage.setItem(STORAGE, next); setTheme(next); }}>
      {theme === 'dark' ? '☀' : '☾'}
    </button>
  );
}
