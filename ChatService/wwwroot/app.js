// The chat page: plain JavaScript against ChatService's own APIs (same origin, JWT bearer).
// No build step and no dependencies: see ChatService/README.md "The chat page".
(() => {
  'use strict';

  const TOKEN_KEY = 'chat.token';
  const DOCUMENT_POLL_MS = 1000;      // queued / processing
  const PENDING_INDEX_POLL_MS = 5000; // searchable by full text; the re-index sweep makes it ready later
  const REASONS = {
    LLM_UNAVAILABLE: 'the language model is unavailable',
    LLM_TIMEOUT: 'the language model did not answer in time',
    CIRCUIT_OPEN: 'the language model keeps failing, so calls to it are paused',
    TOO_MANY_REQUESTS: 'every generation slot is busy',
  };

  const $ = (id) => document.getElementById(id);
  const el = (tag, className, text) => {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  };

  const state = {
    token: null,
    sessionId: null,
    running: null,            // AbortController of the answer being streamed
    documents: new Map(),     // id -> document view
    pollTimers: new Map(),    // id -> timeout handle
    chunks: new Map(),        // documentId -> Promise<Map<chunkId, chunk>>
  };

  // ---- errors -------------------------------------------------------------------------------------------------

  class ApiError extends Error {
    constructor(status, code, message) {
      super(message);
      this.status = status;
      this.code = code;
    }
  }

  class Unauthorized extends ApiError {}

  function notice(text, kind) {
    const box = $('notice');
    box.textContent = text || '';
    box.className = 'notice' + (kind ? ' ' + kind : '');
    box.hidden = !text;
  }

  async function problemOf(response) {
    let body = null;
    try {
      body = await response.json();
    } catch {
      // not JSON: the status line is all there is
    }
    const code = body && (body.code || (body.error && body.error.code)) || String(response.status);
    const detail = body && (body.detail || body.title || (body.error && body.error.message)) || response.statusText;
    const retry = response.headers.get('Retry-After');
    return new ApiError(response.status, code, `${detail} (${code}${retry ? `, retry after ${retry} s` : ''})`);
  }

  function unauthorized(response) {
    // JwtBearer explains itself in WWW-Authenticate: error="invalid_token", error_description="The token expired at …"
    const header = response.headers.get('WWW-Authenticate') || '';
    const match = /error_description="([^"]*)"/.exec(header);
    const why = match ? match[1] : 'the token is missing, invalid or expired';
    return new Unauthorized(401, 'UNAUTHORIZED', `The API answered 401 Unauthorized: ${why}. Paste a valid token to sign in again.`);
  }

  // ---- API ----------------------------------------------------------------------------------------------------

  async function api(path, options = {}) {
    const headers = new Headers(options.headers || {});
    headers.set('Authorization', `Bearer ${state.token}`);
    if (!headers.has('Accept')) headers.set('Accept', 'application/json');
    const response = await fetch(path, { ...options, headers });
    if (response.status === 401) throw unauthorized(response);
    if (!response.ok) throw await problemOf(response);
    return response;
  }

  const getJson = async (path) => (await api(path)).json();

  /** Every item of a keyset-paged list (bounded: a page list is never followed forever). */
  async function allPages(path, maxPages = 20) {
    const items = [];
    let cursor = null;
    for (let page = 0; page < maxPages; page++) {
      const separator = path.includes('?') ? '&' : '?';
      const body = await getJson(cursor ? `${path}${separator}cursor=${encodeURIComponent(cursor)}` : path);
      items.push(...body.items);
      cursor = body.nextCursor;
      if (!cursor) break;
    }
    return items;
  }

  /** Shows the failure: a 401 sends the user back to sign-in with the reason; anything else is a notice. */
  function report(error, prefix) {
    if (error instanceof Unauthorized) {
      signOut(error.message);
      return;
    }
    notice(`${prefix}: ${error.message}`, 'error');
  }

  // ---- sign-in ------------------------------------------------------------------------------------------------

  /** The token's claims, decoded for display only: the service validates the signature on every call. */
  function claimsOf(token) {
    const parts = token.split('.');
    if (parts.length !== 3) return null;
    try {
      const base64 = parts[1].replace(/-/g, '+').replace(/_/g, '/');
      const padded = base64 + '='.repeat((4 - (base64.length % 4)) % 4);
      const json = new TextDecoder().decode(Uint8Array.from(atob(padded), (c) => c.charCodeAt(0)));
      return JSON.parse(json);
    } catch {
      return null;
    }
  }

  async function signIn(token) {
    const claims = claimsOf(token);
    if (!claims || !claims.sub) {
      signOut('That is not a JSON Web Token with a "sub" claim. Paste the whole token (three parts separated by dots).');
      return;
    }

    state.token = token;
    sessionStorage.setItem(TOKEN_KEY, token);
    $('who-name').textContent = claims.sub;
    $('who-expires').textContent = claims.exp
      ? `token valid until ${new Date(claims.exp * 1000).toLocaleString()}`
      : '';
    try {
      // The first call proves the token: a 401 here returns to the sign-in form with the reason.
      await loadSessions();
    } catch (error) {
      report(error, 'Could not load the sessions');
      if (error instanceof Unauthorized) return;
    }

    notice('');
    $('sign-in').hidden = true;
    $('who').hidden = false;
    $('app').hidden = false;
    loadDocuments().catch((error) => report(error, 'Could not load the documents'));
    $('question').focus();
  }

  function signOut(message) {
    if (state.running) state.running.abort();
    for (const timer of state.pollTimers.values()) clearTimeout(timer);
    state.pollTimers.clear();
    state.documents.clear();
    state.chunks.clear();
    state.token = null;
    state.sessionId = null;
    sessionStorage.removeItem(TOKEN_KEY);
    $('app').hidden = true;
    $('who').hidden = true;
    $('sign-in').hidden = false;
    $('messages').replaceChildren();
    $('documents').replaceChildren();
    closePassage();
    notice(message || '', message ? 'error' : '');
    $('token').value = '';
    $('token').focus();
  }

  // ---- documents ----------------------------------------------------------------------------------------------

  function renderDocument(doc) {
    state.documents.set(doc.id, doc);
    let item = document.querySelector(`#documents li[data-id="${doc.id}"]`);
    if (!item) {
      item = el('li', 'document');
      item.dataset.id = doc.id;
      item.append(el('span', 'document-title'), el('span', 'badge'));
      $('documents').prepend(item);
    }

    item.dataset.status = doc.status;
    item.querySelector('.document-title').textContent = doc.title;
    const badge = item.querySelector('.badge');
    badge.textContent = doc.status.replace('_', ' ');
    badge.className = `badge status-${doc.status}`;
    badge.title = doc.status === 'pending_index'
      ? 'Searchable by full text; vector indexing is retried in the background'
      : doc.error || `${doc.chunks} chunks`;
    schedulePoll(doc);
  }

  function schedulePoll(doc) {
    clearTimeout(state.pollTimers.get(doc.id));
    state.pollTimers.delete(doc.id);
    const delay = doc.status === 'queued' || doc.status === 'processing' ? DOCUMENT_POLL_MS
      : doc.status === 'pending_index' ? PENDING_INDEX_POLL_MS : null;
    if (delay === null) return;
    state.pollTimers.set(doc.id, setTimeout(async () => {
      try {
        renderDocument(await getJson(`/api/documents/${doc.id}`));
      } catch (error) {
        if (error instanceof ApiError && error.status === 404) {
          document.querySelector(`#documents li[data-id="${doc.id}"]`)?.remove();
          return;
        }
        report(error, `Could not refresh "${doc.title}"`);
        if (!(error instanceof Unauthorized)) schedulePoll(doc);
      }
    }, delay));
  }

  async function loadDocuments() {
    const body = await getJson('/api/documents?limit=100');
    for (const doc of body.items.slice().reverse()) renderDocument(doc);
  }

  async function upload(event) {
    event.preventDefault();
    const file = $('upload-file').files[0];
    if (!file) return;
    const form = new FormData();
    form.append('file', file);
    const title = $('upload-title').value.trim();
    if (title) form.append('title', title);
    $('upload-button').disabled = true;
    try {
      const response = await api('/api/documents', { method: 'POST', body: form });
      renderDocument(await response.json());
      $('upload-form').reset();
      notice('');
    } catch (error) {
      report(error, `Could not upload ${file.name}`);
    } finally {
      $('upload-button').disabled = false;
    }
  }

  // ---- sessions -----------------------------------------------------------------------------------------------

  async function loadSessions() {
    const body = await getJson('/api/sessions?limit=100');
    const select = $('session-select');
    const options = [new Option('New chat (not saved yet)', '')];
    for (const session of body.items) {
      const when = new Date(session.updatedAt).toLocaleString();
      options.push(new Option(`${session.title || 'Untitled'} — ${when}`, session.id));
    }
    select.replaceChildren(...options);
    select.value = state.sessionId || '';
  }

  async function openSession(id) {
    if (state.running) state.running.abort();
    state.sessionId = id || null;
    $('messages').replaceChildren();
    closePassage();
    updateEmpty();
    if (!id) return;
    try {
      const messages = await allPages(`/api/sessions/${id}/messages?limit=100`);
      for (const message of messages) {
        if (message.role === 'user') {
          addUserMessage(message.content);
        } else {
          const view = addAssistantMessage();
          view.text.textContent = message.content;
          finishAnswer(view, message, { stored: true });
        }
      }
      updateEmpty();
      $('messages').lastElementChild?.scrollIntoView({ block: 'end' });
    } catch (error) {
      report(error, 'Could not load the session');
    }
  }

  // ---- messages -----------------------------------------------------------------------------------------------

  function updateEmpty() {
    $('empty').hidden = $('messages').childElementCount > 0;
  }

  function addUserMessage(text) {
    const item = el('li', 'message user');
    item.append(el('span', 'role', 'You'), el('p', 'text', text));
    $('messages').append(item);
    updateEmpty();
    return item;
  }

  function addAssistantMessage() {
    const item = el('li', 'message assistant');
    const flags = el('p', 'flags');
    const text = el('p', 'text');
    const citations = el('ol', 'citations');
    citations.hidden = true;
    item.append(el('span', 'role', 'Assistant'), flags, text, citations);
    $('messages').append(item);
    updateEmpty();
    return { item, flags, text, citations };
  }

  function flag(view, kind, label, reason) {
    const marker = el('span', `flag flag-${kind}`);
    marker.append(el('strong', null, label), document.createTextNode(reason ? ` — ${reason}` : ''));
    view.flags.append(marker);
  }

  function explain(code) {
    return REASONS[code] ? `${code}: ${REASONS[code]}` : code;
  }

  /** Marks an answer from a `final`/`error` event or a stored message (whose `error` is the model's message). */
  function finishAnswer(view, answer, { stored = false } = {}) {
    view.item.removeAttribute('aria-busy');
    const reason = answer.error ? (stored ? answer.error : explain(answer.error)) : null;
    if (answer.degraded) {
      flag(view, 'degraded', 'Degraded',
        `${reason || 'the language model was unavailable'}; this answer is built from the retrieved passages.`);
    }
    if (answer.partial) {
      flag(view, 'partial', 'Partial', `${reason || 'the model stopped'}; the answer ends where the model stopped.`);
    }
    if (answer.cached) flag(view, 'cached', 'Cached', 'the same question was answered a moment ago.');
    if (answer.citations) renderCitations(view, answer.citations);
  }

  function renderCitations(view, citations) {
    view.citations.replaceChildren();
    citations.forEach((citation, index) => {
      const button = el('button', 'citation');
      button.type = 'button';
      button.dataset.documentId = citation.documentId;
      button.dataset.chunkId = citation.chunkId;
      const source = `[${index + 1}] ${citation.title}${citation.page ? `, page ${citation.page}` : ''}`;
      button.append(el('span', 'citation-source', source), el('span', 'citation-snippet', citation.snippet));
      button.setAttribute('aria-label', `Open the passage cited as ${source}`);
      button.addEventListener('click', () => openPassage(citation, source, button));
      const item = el('li');
      item.append(button);
      view.citations.append(item);
    });
    view.citations.hidden = citations.length === 0;
  }

  // ---- cited passages -----------------------------------------------------------------------------------------

  function chunksOf(documentId) {
    if (!state.chunks.has(documentId)) {
      const loading = allPages(`/api/documents/${documentId}/chunks?limit=100`, 100)
        .then((items) => new Map(items.map((chunk) => [chunk.id, chunk])));
      loading.catch(() => state.chunks.delete(documentId));
      state.chunks.set(documentId, loading);
    }
    return state.chunks.get(documentId);
  }

  async function openPassage(citation, source, button) {
    document.querySelectorAll('.citation[aria-current]').forEach((b) => b.removeAttribute('aria-current'));
    button.setAttribute('aria-current', 'true');
    const panel = $('passage');
    panel.hidden = false;
    $('passage-source').textContent = source;
    $('passage-text').textContent = 'Loading the passage…';
    panel.dataset.chunkId = citation.chunkId;
    $('passage-title').focus();
    try {
      const chunk = (await chunksOf(citation.documentId)).get(citation.chunkId);
      if (panel.dataset.chunkId !== citation.chunkId) return; // another citation was opened meanwhile
      if (!chunk) {
        $('passage-text').textContent = 'This passage no longer exists (the document was deleted or re-indexed).';
        return;
      }
      const where = [`passage ${chunk.index + 1}`, chunk.page ? `page ${chunk.page}` : null, chunk.heading]
        .filter(Boolean).join(' · ');
      $('passage-source').textContent = `${citation.title} — ${where}`;
      $('passage-text').textContent = chunk.text;
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) {
        $('passage-text').textContent = 'The cited document no longer exists.';
        return;
      }
      $('passage-text').textContent = '';
      report(error, 'Could not load the passage');
    }
  }

  function closePassage() {
    $('passage').hidden = true;
    delete $('passage').dataset.chunkId;
    document.querySelectorAll('.citation[aria-current]').forEach((b) => b.removeAttribute('aria-current'));
  }

  // ---- asking: POST /api/chat as server-sent events over fetch ------------------------------------------------

  /** Yields {event, data} from a text/event-stream body (EventSource cannot POST or send a bearer header). */
  async function* serverSentEvents(body, signal) {
    const reader = body.pipeThrough(new TextDecoderStream()).getReader();
    const cancel = () => reader.cancel().catch(() => {});
    signal.addEventListener('abort', cancel, { once: true });
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value.replace(/\r\n?/g, '\n');
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let event = 'message';
          const data = [];
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) continue; // comment (keep-alive)
            const colon = line.indexOf(':');
            const field = colon < 0 ? line : line.slice(0, colon);
            const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
            if (field === 'event') event = value;
            else if (field === 'data') data.push(value);
          }
          if (data.length > 0) yield { event, data: JSON.parse(data.join('\n')) };
        }
      }
    } finally {
      signal.removeEventListener('abort', cancel);
      reader.releaseLock();
    }
  }

  function setRunning(controller) {
    state.running = controller;
    $('send').disabled = controller !== null;
    $('cancel').disabled = controller === null;
  }

  async function ask(event) {
    event.preventDefault();
    const message = $('question').value.trim();
    if (!message || state.running) return;
    $('question').value = '';
    addUserMessage(message);
    const view = addAssistantMessage();
    view.item.setAttribute('aria-busy', 'true');
    view.item.scrollIntoView({ block: 'end' });
    const controller = new AbortController();
    setRunning(controller);
    $('chat-status').textContent = 'Answering…';
    let outcome = 'failed';
    try {
      const response = await api('/api/chat', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'text/event-stream' },
        body: JSON.stringify({ message, sessionId: state.sessionId }),
        signal: controller.signal,
      });
      for await (const { event: name, data } of serverSentEvents(response.body, controller.signal)) {
        if (name === 'token') {
          view.text.textContent += data.text;
        } else if (name === 'citations') {
          renderCitations(view, data);
        } else if (name === 'final') {
          outcome = 'done';
          state.sessionId = data.sessionId;
          finishAnswer(view, { ...data, citations: null });
        } else if (name === 'error') {
          outcome = 'done';
          if (data.sessionId) state.sessionId = data.sessionId;
          if (data.partial) {
            finishAnswer(view, { partial: true, error: data.code });
          } else {
            flag(view, 'error', 'Failed', `${explain(data.code)}${data.message ? ` (${data.message})` : ''}`);
          }
        }
      }
      if (controller.signal.aborted) {
        outcome = 'cancelled'; // the reader was cancelled: the loop ended without an exception
      } else if (outcome !== 'done') {
        flag(view, 'error', 'Interrupted', 'the stream ended before the answer was complete.');
      }
    } catch (error) {
      if (controller.signal.aborted) {
        outcome = 'cancelled';
      } else if (error instanceof Unauthorized) {
        report(error);
        return;
      } else {
        flag(view, 'error', 'Failed', error.message);
      }
    } finally {
      view.item.removeAttribute('aria-busy');
      setRunning(null);
    }

    if (outcome === 'cancelled') {
      flag(view, 'cancelled', 'Cancelled', 'you stopped this answer; the service stopped generating it.');
      $('chat-status').textContent = 'Cancelled.';
    } else {
      $('chat-status').textContent = '';
    }
    if (!view.text.textContent) view.text.hidden = true;
    try {
      await loadSessions();
    } catch (error) {
      report(error, 'Could not refresh the sessions');
    }
  }

  // ---- wiring -------------------------------------------------------------------------------------------------

  document.addEventListener('DOMContentLoaded', () => {
    $('sign-in-form').addEventListener('submit', (event) => {
      event.preventDefault();
      signIn($('token').value.trim().replace(/^Bearer\s+/i, ''));
    });
    $('sign-out').addEventListener('click', () => signOut());
    $('upload-form').addEventListener('submit', upload);
    $('session-select').addEventListener('change', (event) => openSession(event.target.value));
    $('new-session').addEventListener('click', () => {
      $('session-select').value = '';
      openSession(null);
      $('question').focus();
    });
    $('ask-form').addEventListener('submit', ask);
    $('question').addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        $('ask-form').requestSubmit();
      }
    });
    $('cancel').addEventListener('click', () => state.running?.abort());
    $('passage-close').addEventListener('click', closePassage);
    document.addEventListener('keydown', (event) => {
      if (event.key === 'Escape' && !$('passage').hidden) closePassage();
    });

    const saved = sessionStorage.getItem(TOKEN_KEY);
    if (saved) signIn(saved);
    else $('token').focus();
  });
})();
