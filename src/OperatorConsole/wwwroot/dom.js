// Small helpers to build the page's elements without a framework; text always goes in as text, never as HTML.

/** el('td', { class: 'id', title: id }, 'text', child…) */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    // Styles through the CSSOM: the content security policy refuses style attributes.
    else if (name === 'style') Object.assign(node.style, value);
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function say(text) {
  document.getElementById('status').textContent = text;
}

export function ago(iso) {
  if (!iso) return '—';
  const seconds = Math.max(0, (Date.now() - Date.parse(iso)) / 1000);
  if (seconds < 60) return `${Math.round(seconds)} s ago`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.round(seconds / 3600)} h ago`;
  return new Date(iso).toISOString().slice(0, 16).replace('T', ' ');
}

export function ms(value) {
  if (value === undefined || value === null) return '—';
  return value >= 10000 ? `${(value / 1000).toFixed(1)} s` : `${Math.round(value)} ms`;
}

export function bytes(value) {
  if (value === undefined || value === null) return '—';
  if (value < 1024) return `${value} B`;
  if (value < 1024 * 1024) return `${(value / 1024).toFixed(1)} KiB`;
  return `${(value / 1024 / 1024).toFixed(1)} MiB`;
}

export const phaseLabel = {
  idle: 'idle',
  awaiting_model: 'awaiting model',
  running_tools: 'running tools',
};

/**
 * Calls load() now and again every intervalMs after each call ends, until the returned stop() is called; a failure
 * is said in the status line as "Could not read <what>: …".
 */
export function poll(what, load, intervalMs) {
  let timer = null;
  let stopped = false;
  // A call started by now() supersedes one in flight: only the latest schedules the next.
  let generation = 0;
  async function run() {
    const mine = ++generation;
    const gone = () => stopped || mine !== generation;
    try {
      await load(gone);
      if (!gone()) say('');
    } catch (error) {
      if (!gone()) say(`Could not read ${what}: ${error.message}`);
    }
    if (!gone()) timer = setTimeout(run, intervalMs);
  }
  run();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
    now() {
      clearTimeout(timer);
      run();
    },
  };
}
