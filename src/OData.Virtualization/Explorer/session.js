// The page's session with the server: the user's credential (in memory, or in the tab's session storage), the
// credentials dialog, and every request the page sends with it.

import { setMessage } from './dom.js';
import { credentialHeaders, parseChallenges, parseError } from './odata.js';

const ACCEPT = 'application/json;odata.metadata=minimal;IEEE754Compatible=true';
const STORAGE_KEY = 'odata-explorer-credential';
const DEFAULT_API_KEY_HEADER = 'X-API-Key';

const $ = id => document.getElementById(id);

/**
 * Where credentials can be given: the ways the server says it accepts them (explorer/sources), and whether it has
 * answered 401. A server that needs none and accepts none (the demo) shows no credentials control at all.
 */
export const session = {
  credential: loadCredential(),
  apiKeyHeader: DEFAULT_API_KEY_HEADER,
  signIn: [],
  challenged: false,
  challenge: null, // the last 401's WWW-Authenticate
};

function loadCredential() {
  try {
    const stored = sessionStorage.getItem(STORAGE_KEY);
    return stored ? { ...JSON.parse(stored), remember: true } : null;
  } catch {
    return null;
  }
}

export function saveCredential(credential) {
  session.credential = credential;
  try {
    if (credential?.remember) sessionStorage.setItem(STORAGE_KEY, JSON.stringify(credential));
    else sessionStorage.removeItem(STORAGE_KEY);
  } catch {
    // Storage may be disabled: the credential stays in memory.
  }
  renderAuthStatus();
}

export function renderAuthStatus() {
  const c = session.credential;
  const text = !c ? 'No credentials'
    : c.method === 'basic' ? `Signed in as ${c.user}`
      : c.method === 'apikey' ? `Using an API key (${c.header})`
        : 'Using a bearer token';
  $('auth-status').textContent = text;
  $('auth').hidden = !c && !session.challenged && session.signIn.length === 0;
}

/** Remembers that the server asked for credentials, and how: from now on the page offers them. */
export function challenged(response) {
  session.challenged = true;
  session.challenge = response.headers.get('WWW-Authenticate') ?? session.challenge;
  renderAuthStatus();
}

/** The ways to sign in, from a 401's WWW-Authenticate or, without one, from what explorer/sources said. */
function offeredWays(challengeHeader) {
  if (challengeHeader ?? session.challenge) return parseChallenges(challengeHeader ?? session.challenge);
  return {
    basic: session.signIn.includes('basic'),
    bearer: session.signIn.includes('bearer'),
    apiKeyHeader: session.signIn.includes('apikey') ? session.apiKeyHeader : null,
  };
}

let pendingRetry = null;
let reload = () => {};

/** What to do after credentials were given or forgotten (read the model again). */
export function onCredentialsChanged(action) {
  reload = action;
}

/** Runs <action> (instead of reading the model again) after the next credentials are given. */
export function retryAfterSignIn(action) {
  pendingRetry = action;
}

/** Opens the credentials dialog; after the user gives credentials, the model is read again. */
export function promptCredentials(reason, challengeHeader) {
  const dialog = $('auth-dialog');
  const offered = offeredWays(challengeHeader);
  if (offered.apiKeyHeader) session.apiKeyHeader = offered.apiKeyHeader;
  const ways = [];
  if (offered.basic) ways.push('a user name and password');
  if (offered.apiKeyHeader) ways.push(`an API key (header ${offered.apiKeyHeader})`);
  if (offered.bearer) ways.push('a bearer token');
  $('auth-title').textContent = reason ? 'Sign in to this server' : 'Credentials';
  $('auth-forget').hidden = !session.credential;
  setMessage($('auth-reason'), reason ?? '');
  setMessage($('auth-offered'), ways.length > 0 ? `This server accepts ${ways.join(', or ')}.` : '');

  const c = session.credential;
  const method = c?.method ?? (offered.basic ? 'basic' : offered.apiKeyHeader ? 'apikey' : offered.bearer ? 'bearer' : 'basic');
  $('auth-form').elements.method.value = method;
  $('auth-user').value = c?.method === 'basic' ? c.user : '';
  $('auth-password').value = '';
  $('auth-header').value = c?.method === 'apikey' ? c.header : session.apiKeyHeader;
  $('auth-key').value = '';
  $('auth-token').value = '';
  $('auth-remember').checked = c?.remember ?? false;
  setMessage($('auth-error'), '');
  showMethodFields();
  if (!dialog.open) dialog.showModal();
  focusFirstCredentialField();
}

function showMethodFields() {
  const method = $('auth-form').elements.method.value;
  for (const group of document.querySelectorAll('[data-method]')) group.hidden = group.dataset.method !== method;
}

function focusFirstCredentialField() {
  const method = $('auth-form').elements.method.value;
  const first = { basic: 'auth-user', apikey: 'auth-key', bearer: 'auth-token' }[method];
  const field = first ? $(first) : null;
  (method === 'basic' && field.value ? $('auth-password') : field ?? $('auth-submit')).focus();
}

$('auth-form').addEventListener('change', event => {
  if (event.target.name === 'method') showMethodFields();
});

$('auth-form').addEventListener('submit', event => {
  event.preventDefault();
  const method = $('auth-form').elements.method.value;
  const remember = $('auth-remember').checked;
  let credential = null;
  let missing = null;
  if (method === 'basic') {
    credential = { method, user: $('auth-user').value, password: $('auth-password').value };
    if (!credential.user) missing = ['Enter a user name.', 'auth-user'];
    else if (/:/.test(credential.user)) missing = ['A user name cannot contain a colon (HTTP Basic).', 'auth-user'];
  } else if (method === 'apikey') {
    credential = { method, header: $('auth-header').value.trim(), key: $('auth-key').value.trim() };
    if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(credential.header)) missing = ['Enter the header name, for example X-API-Key.', 'auth-header'];
    else if (/^(authorization|cookie|host|content-.*|accept|prefer)$/i.test(credential.header)) missing = [`${credential.header} cannot carry an API key: use the header the server is configured with.`, 'auth-header'];
    else if (!credential.key) missing = ['Enter the API key.', 'auth-key'];
    else if (!/^[\x21-\x7e]+$/.test(credential.key)) missing = ['An API key is sent in a header: it can hold only visible ASCII characters, without spaces.', 'auth-key'];
  } else if (method === 'bearer') {
    credential = { method, token: $('auth-token').value.trim().replace(/^Bearer\s+/i, '') };
    if (!credential.token) missing = ['Paste the token.', 'auth-token'];
    else if (!/^[\x21-\x7e]+$/.test(credential.token)) missing = ['A token can hold only visible ASCII characters, without spaces.', 'auth-token'];
  }
  if (missing) {
    setMessage($('auth-error'), missing[0]);
    $(missing[1]).focus();
    return;
  }
  if (credential) credential.remember = remember;
  saveCredential(credential);
  $('auth-dialog').close();
  const retry = pendingRetry ?? reload;
  pendingRetry = null;
  retry();
});

$('auth-cancel').addEventListener('click', () => $('auth-dialog').close());
$('auth-forget').addEventListener('click', () => {
  saveCredential(null);
  $('auth-dialog').close();
  reload();
});
$('auth-open').addEventListener('click', () => promptCredentials(null, null));

// ---- requests ------------------------------------------------------------------------------------------------

/** The headers the page sends with a query (without the credential): also what the curl command shows. */
export function queryHeaders(pageSize) {
  return { Accept: ACCEPT, Prefer: `odata.maxpagesize=${pageSize}`, 'OData-MaxVersion': '4.0' };
}

/**
 * GETs a URL of this server with the user's credential (or sends another method with a body: the row editor). Resolves to {response, body, error}; never rejects
 * except when aborted. credentials: 'omit' keeps the browser's own login prompt and cookies out of it: the page
 * sends exactly the credential the user gave.
 */
export async function send(url, headers, signal, { method = 'GET', body: payload } = {}) {
  let response;
  try {
    response = await fetch(url, {
      method,
      body: payload,
      headers: { ...headers, ...credentialHeaders(session.credential) },
      credentials: 'omit',
      cache: 'no-cache',
      signal,
    });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    return { response: null, body: null, error: { code: 'NetworkError', message: `The server could not be reached (${e.message}). Check that it is running and try again.` } };
  }
  let body = null;
  const text = await response.text();
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  if (response.ok && body !== null) return { response, body, error: null };
  const error = parseError(body) ?? {
    code: String(response.status),
    message: response.ok ? 'The server sent a response that is not JSON.' : `The server answered ${response.status} ${response.statusText}.`,
    target: null,
    details: [],
  };
  return { response, body, error };
}

export function explainStatus(response, error) {
  if (!response) return error.message;
  if (response.status === 403) return `Not allowed: ${error.message}`;
  if (response.status === 429) {
    const wait = response.headers.get('Retry-After');
    return `${error.message}${wait ? ` Try again in ${wait} seconds.` : ''}`;
  }
  return error.message;
}

/**
 * The URL to follow for a next link on this page's own origin: a server behind a proxy that does not forward its
 * host may write links with an internal host name, which the page could not reach (and must not send credentials to).
 */
export function sameOriginLink(link, serviceRoot) {
  const url = new URL(link, serviceRoot);
  const root = new URL(serviceRoot);
  if (url.origin === root.origin) return url.href;
  return root.origin + url.pathname + url.search;
}
