import type { Client } from "openapi-fetch";
import {
  selectCredentials,
  staticCredential,
  type AppliedCredential,
  type Credential,
  type CredentialSource,
  type SecurityRequirement,
} from "./auth.js";
import { ConfigurationError, errorFromResponse, PortalError, ValidationError } from "./errors.js";
import type { HttpMethod, OperationMeta, RawInput } from "./operation.js";
import { isSecureForCredentials } from "./origin.js";
import { querySerializerFor } from "./query.js";
import { redactUrl } from "./redact.js";
import { createRateLimiter, type RateLimitOptions } from "./rate-limiter.js";
import { parseRetryAfter, retryPolicy, type RetryOptions } from "./retry.js";
import { crossOriginPolicy } from "./cross-origin.js";
import { createObserver, type ClientHooks, type Observer } from "./hooks.js";
import { consoleLogger, logLevelFrom, type Logger } from "./log.js";
import { createRequester, type Requester } from "./requester.js";
import { createTransport, type FetchLike, type SendOptions, type Transport } from "./transport.js";
import { bodyReadError, parseJsonBody } from "./response-body.js";
import { proxyAwareFetch } from "./network.js";
import { createSecretRegistry, scrubError, type SecretRegistry } from "./secrets.js";
import { checkHeaderValues, validateInput } from "./validate.js";
import type { AuthSetup, ClientAuth, DeviceFlowMeta, SessionMeta } from "./session.js";
import type { TokenStore } from "./token-session.js";
import { processEnv } from "./env.js";

/** How a security scheme's credential is sent, and where a user gets it. From the spec. */
export interface SchemeMeta extends CredentialSource {
  /** The request header that carries it. */
  header: string;
  /** Prepended to the value, such as `"Bearer "`. */
  prefix?: string | undefined;
  /** A login session that obtains and renews this scheme's token (`x-sciportals-session`). */
  session?: SessionMeta | undefined;
  /** A device authorization flow that yields this scheme's token (`x-sciportals-device-flow`). */
  deviceFlow?: DeviceFlowMeta | undefined;
  /** For an apiKey-in-cookie scheme: the cookie's name. */
  cookie?: string | undefined;
  /** For an apiKey-in-query scheme: the query parameter that carries the key. */
  query?: string | undefined;
  /** Where the portal's own tool caches this scheme's token (bare token, `~` = home), for `tokenStore: "file"`. */
  tokenFile?: string | undefined;
}

/** A portal as codegen describes it to core, without its operations. */
export interface PortalInfo {
  /** Display name, such as `STOmics`. */
  title: string;
  /** Name of the generated factory, for messages. */
  factory: string;
  /** Default base URL, from the spec's `servers`. */
  baseUrl: string;
  /** Environment variable that overrides the base URL in Node. */
  baseUrlEnv?: string | undefined;
  schemes: Readonly<Record<string, SchemeMeta>>;
  /** The portal's published request budget, used when `rateLimit: true`. */
  rateLimit?: RateLimitOptions | undefined;
  /** The spec's root security requirement, for path-based calls to routes the client does not know. */
  security?: SecurityRequirement | undefined;
  /** Sets up login sessions and `client.auth` for portals that have them (`sessionAuth`). */
  auth?: AuthSetup | undefined;
}

/** A portal and all its operations. */
export interface PortalDefinition extends PortalInfo {
  operations: Readonly<Record<string, OperationMeta>>;
}

/** Options every sciportals client accepts. Each portal adds its credential options. */
export interface PortalClientOptions extends ClientHooks {
  /** The portal's base URL; defaults to the spec's server (or the portal's `*_BASE_URL` variable in Node). */
  baseUrl?: string | undefined;
  /** Per-attempt time limit for a response, in milliseconds. Default 60000; 0 for none. */
  timeoutMs?: number | undefined;
  /** Retry policy; see {@link RetryOptions}. */
  retry?: RetryOptions | undefined;
  /**
   * Keep within a request budget on the client side: `true` for the portal's published budget,
   * or an explicit one. Off by default.
   */
  rateLimit?: boolean | RateLimitOptions | undefined;
  /** Headers sent with every request. */
  headers?: Record<string, string> | undefined;
  /**
   * Headers that may follow a redirect to another origin although they look like credentials
   * (`Authorization`, `Cookie`, `Proxy-Authorization` and the portal's credential headers are
   * dropped on such a hop, and never sent to a pre-signed URL). The client's own credentials never
   * leave the portal's origin, whatever is named here.
   */
  crossOriginHeaders?: readonly string[] | undefined;
  /** The `fetch` to send with; the global one by default. It wins over `proxy` for API calls and chunked uploads. */
  fetch?: FetchLike | undefined;
  /**
   * In Node, the proxy for API calls, downloads and uploads: a URL (`http://user:pass@proxy:3128`)
   * for every request, or `false` for none. By default the `HTTPS_PROXY`, `HTTP_PROXY`,
   * `ALL_PROXY` and `NO_PROXY` variables (and their lower-case forms) as curl reads them. The
   * proxy's user name and password never appear in errors or logs. Ignored in browsers.
   */
  proxy?: string | false | undefined;
  /** Credentials by security scheme name; overrides the portal's credential options. */
  credentials?: Record<string, Credential> | undefined;
  /**
   * Where a login session keeps its tokens: in memory by default; `fileTokenStore(path)` from
   * `@sciportals/core/node` keeps them across runs (mode 0600). `"file"` (Node): the file where the
   * portal's own tool caches its token, when the spec names one (`tokenFile`), so that one login
   * serves both tools.
   */
  tokenStore?: TokenStore | "file" | undefined;
  /**
   * Where to read `*_API_KEY`-style variables: `process.env` in Node by default; `false` to read
   * none.
   */
  env?: Record<string, string | undefined> | false | undefined;
  /**
   * Where to write one line per request and per retry (method, path template, status, attempt,
   * wait, duration, request id), scrubbed of every secret the client knows: `console`, a pino
   * logger, or any object with `debug`, `info`, `warn` and `error`. Requests are logged at
   * `debug` (at `warn` when the call fails with them), retries at `info`. Without it,
   * `SCIPORTALS_LOG=debug|info|warn` (read through {@link PortalClientOptions.env}) writes the
   * lines at that level and above to stderr.
   */
  logger?: Logger | undefined;
}

/** The types of one operation, as generated: its input, output and (when paginated) item. */
export interface OperationTypes {
  input: object;
  output: unknown;
  item?: unknown;
}

/**
 * The lean client: openapi-fetch's typed path methods (`GET`, `POST`, … which return
 * `{ data, error, response }`) over the sciportals transport. Generated operation functions take
 * it as their first argument, so a bundle holds only the operations it calls.
 */
export interface PortalBase<Paths extends {}> extends Omit<Client<Paths>, "request"> {
  /** The portal's display name. */
  readonly title: string;
  /** The base URL in use. */
  readonly baseUrl: string;
}

interface Internals {
  definition: PortalDefinition;
  fetchClient: Requester;
  transport: Transport;
  credentials: Record<string, Credential>;
  baseUrl: string;
  byRoute: Map<string, OperationMeta>;
  /** Every secret this client knows, for scrubbing errors and log lines. */
  secrets: SecretRegistry;
  /** The client's logger and hooks, for downloads to report their attempts too. */
  observer: Observer | undefined;
  /** The `proxy` option, which downloads and uploads apply too. */
  proxy: string | false | undefined;
  /** The `fetch` option: chunked uploads send through it too when the caller gave one. */
  fetch: FetchLike | undefined;
}

const internals = new WeakMap<object, Internals>();

/** Core's view of a client: for the helpers in this package, not for users. */
export function internalsOf(client: object): Internals {
  const found = internals.get(client);
  if (!found) throw new TypeError("expected a client created by a sciportals create…Client() function");
  return found;
}

function readEnv(options: PortalClientOptions): Record<string, string | undefined> {
  if (options.env === false) return {};
  if (options.env) return options.env;
  return processEnv();
}

/**
 * Creates a lean client ({@link PortalBase}) for a portal. Generated `create…Base()` factories
 * call it; pass the result to generated operation functions.
 */
export function createPortalBase<Paths extends {}>(
  portal: PortalInfo | PortalDefinition,
  options: PortalClientOptions = {},
): PortalBase<Paths> {
  const definition: PortalDefinition = "operations" in portal ? portal : { ...portal, operations: {} };
  const env = readEnv(options);
  const rawBaseUrl =
    options.baseUrl ?? (definition.baseUrlEnv ? env[definition.baseUrlEnv] : undefined) ?? definition.baseUrl;
  let parsedBase: URL;
  try {
    parsedBase = new URL(rawBaseUrl);
  } catch {
    throw new ConfigurationError(
      rawBaseUrl
        ? `${definition.title}: baseUrl ${JSON.stringify(withoutUserInfo(rawBaseUrl))} is not an absolute URL.`
        : `${definition.title}: pass \`baseUrl\` to ${definition.factory}(): the spec names no absolute server.`,
      {
        portal: definition.title,
        code: "invalid_base_url",
      },
    );
  }
  if (parsedBase.username || parsedBase.password) {
    // As curl warns and browsers' fetch refuses: a password in a URL ends up in logs and errors.
    throw new ConfigurationError(
      `${definition.title}: baseUrl must not contain a user name or password (${redactUrl(parsedBase.href)}); ` +
        `pass the credential as an option of ${definition.factory}() instead.`,
      { portal: definition.title, code: "credentials_in_url" },
    );
  }
  const baseUrl = parsedBase.href.replace(/\/+$/, "");
  const secrets = createSecretRegistry();

  const credentials: Record<string, Credential> = {};
  for (const [scheme, meta] of Object.entries(definition.schemes)) {
    if (!meta.option) continue;
    const value = (options as Record<string, unknown>)[meta.option] ?? (meta.env ? env[meta.env] : undefined);
    if (typeof value === "string" && value !== "") {
      secrets.add(value);
      if (/[\r\n\0]/.test(value)) {
        throw new ValidationError(
          `${definition.title}: the \`${meta.option}\` credential holds a line break or NUL character; ` +
            "it would inject headers. Check how it was read (a trailing newline from a file?).",
          { portal: definition.title, code: "invalid_header_value" },
        );
      }
      credentials[scheme] = staticCredential(meta.header, `${meta.prefix ?? ""}${value}`, meta.query);
    } else if (value !== undefined && typeof value !== "string") {
      throw new ConfigurationError(`${definition.title}: the \`${meta.option}\` option must be a string.`, {
        portal: definition.title,
        code: "invalid_credential",
      });
    }
  }
  for (const [scheme, credential] of Object.entries(options.credentials ?? {}))
    credentials[scheme] = registering(credential, secrets);
  if (options.headers) checkHeaderValues(definition.title, options.headers, "client header");
  let client: object | undefined;
  const auth: ClientAuth | undefined = definition.auth?.({
    portal: definition.title,
    factory: definition.factory,
    schemes: definition.schemes,
    options: options as Record<string, unknown>,
    credentials,
    secrets,
    invoke: (meta, input) => invokeOperation(client!, meta, input),
  });
  if (Object.keys(credentials).length > 0 && !isSecureForCredentials(parsedBase)) {
    throw new ConfigurationError(
      `${definition.title}: refusing to send credentials over plain http to ${parsedBase.host}. ` +
        "Use an https:// base URL (plain http is allowed only for localhost and 127.0.0.1).",
      { portal: definition.title, code: "insecure_base_url" },
    );
  }

  const envLevel = options.logger ? undefined : logLevelFrom(env.SCIPORTALS_LOG);
  const observer = createObserver({
    logger: options.logger ?? (envLevel ? consoleLogger(envLevel) : undefined),
    onRequest: options.onRequest,
    onResponse: options.onResponse,
    onRetry: options.onRetry,
    secrets,
  });

  const rateLimit = options.rateLimit === true ? definition.rateLimit : options.rateLimit || undefined;
  const transport = createTransport({
    portal: definition.title,
    baseUrl,
    fetch: options.fetch ?? proxyAwareFetch(options.proxy, secrets),
    retry: retryPolicy(options.retry),
    timeoutMs: options.timeoutMs ?? 60_000,
    observer,
    rateLimiter: rateLimit ? createRateLimiter(rateLimit) : undefined,
    crossOrigin: crossOriginPolicy(
      Object.values(definition.schemes).map((scheme) => scheme.header),
      options.crossOriginHeaders,
    ),
  });

  const fetchClient = createRequester({ baseUrl, headers: options.headers });

  const byRoute = new Map<string, OperationMeta>();
  for (const meta of Object.values(definition.operations)) byRoute.set(`${meta.method} ${meta.path}`, meta);

  function pathMethod(method: HttpMethod) {
    return (path: string, init?: Record<string, unknown>) => {
      const meta = byRoute.get(`${method} ${path}`);
      const context = { portal: definition.title, operationId: meta?.id, method };
      try {
        if (init?.headers)
          checkHeaderValues(definition.title, init.headers as Record<string, unknown>, "headers");
        const header = (init?.params as { header?: Record<string, unknown> } | undefined)?.header;
        if (header) checkHeaderValues(definition.title, header, "header parameter");
        const send: SendOptions = {
          operationId: meta?.id,
          path,
          credentials: selectCredentials(
            meta ? meta.security : definition.security,
            credentials,
            explain(meta),
          ),
          idempotent: meta?.idempotent,
          signal: init?.signal as AbortSignal | undefined,
          stream: init?.parseAs === "stream",
        };
        let sent = false;
        return fetchClient
          .request(
            method as any,
            path as any,
            {
              ...init,
              fetch: (request: Request) => {
                sent = true;
                return transport.send(request, send);
              },
            } as any,
          )
          .then(
            // openapi-fetch hands error bodies back as data: a server may echo a secret in one.
            (result: any) =>
              result.error === undefined ? result : { ...result, error: secrets.scrubValue(result.error) },
            (error: unknown) => {
              throw scrubError(asPortalError(error, context, sent), secrets);
            },
          );
      } catch (error) {
        return Promise.reject(scrubError(asPortalError(error, context, false), secrets));
      }
    };
  }

  function explain(meta: OperationMeta | undefined) {
    return {
      portal: definition.title,
      factory: definition.factory,
      operationId: meta?.id,
      sources: definition.schemes,
    };
  }

  const self = {
    title: definition.title,
    baseUrl,
    GET: pathMethod("GET"),
    PUT: pathMethod("PUT"),
    POST: pathMethod("POST"),
    DELETE: pathMethod("DELETE"),
    OPTIONS: pathMethod("OPTIONS"),
    HEAD: pathMethod("HEAD"),
    PATCH: pathMethod("PATCH"),
    TRACE: pathMethod("TRACE"),
    use: fetchClient.use,
    eject: fetchClient.eject,
    toJSON: () => ({ portal: definition.title, baseUrl }),
    [Symbol.for("nodejs.util.inspect.custom")]: () => `${definition.title} client (${baseUrl})`,
    ...(auth ? { auth } : {}),
  };
  client = self;
  internals.set(self, {
    definition,
    fetchClient,
    transport,
    credentials,
    baseUrl,
    byRoute,
    secrets,
    observer,
    proxy: options.proxy,
    fetch: options.fetch,
  });
  return self as unknown as PortalBase<Paths>;
}

function bodySerializerFor(meta: OperationMeta): ((body: unknown) => unknown) | undefined {
  if (meta.bodyType === "multipart") {
    return (body) => {
      if (body instanceof FormData) return body;
      const form = new FormData();
      for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
        if (value === undefined || value === null) continue;
        const values = Array.isArray(value) ? value : [value];
        for (const v of values)
          form.append(key, v instanceof Blob ? v : typeof v === "object" ? JSON.stringify(v) : String(v));
      }
      return form;
    };
  }
  if (meta.bodyType === "binary") return (body) => body;
  if (meta.bodyType === "form")
    return (body) => new URLSearchParams(body as Record<string, string>).toString();
  return undefined;
}

/** Resolves the credentials an operation sends, or throws the error that says how to supply them. */
export function credentialsFor(client: object, meta: OperationMeta): Credential[] {
  const { definition, credentials } = internalsOf(client);
  return selectCredentials(meta.security, credentials, {
    portal: definition.title,
    factory: definition.factory,
    operationId: meta.id,
    sources: definition.schemes,
  });
}

/**
 * Calls one operation: checks its input, sends it through the transport, and returns the
 * success body or throws the typed error for the failure. Generated operation functions call this.
 */
export function callOperation(client: object, meta: OperationMeta, input?: RawInput): Promise<any> {
  return execute(client, meta, input, false);
}

/** {@link callOperation}, keeping the response (for headers such as Set-Cookie). */
export function invokeOperation(
  client: object,
  meta: OperationMeta,
  input?: RawInput,
): Promise<{ data: any; response: Response }> {
  return execute(client, meta, input, true);
}

async function execute(
  client: object,
  meta: OperationMeta,
  input: RawInput | undefined,
  withResponse: boolean,
): Promise<any> {
  const state = internalsOf(client);
  const portal = state.definition.title;
  let sent: Request | undefined;
  try {
    if (input !== undefined && (typeof input !== "object" || input === null)) {
      throw new ValidationError(`${portal}: ${meta.id} takes an object such as { path, query, body }.`, {
        portal,
        operationId: meta.id,
        code: "invalid_argument",
      });
    }
    validateInput(portal, meta, input);
    const send: SendOptions = {
      operationId: meta.id,
      path: meta.path,
      credentials: credentialsFor(client, meta),
      idempotent: meta.idempotent,
      signal: input?.signal,
      timeoutMs: input?.timeoutMs,
      maxRetries: input?.maxRetries,
      stream: meta.parseAs === "stream",
    };
    const init: Record<string, unknown> = {
      params: { path: input?.path, query: input?.query, header: input?.header },
      fetch: (request: Request) => {
        sent = request;
        return state.transport.send(request, send);
      },
    };
    if (input?.body !== undefined) init.body = input.body;
    if (input?.headers) init.headers = input.headers;
    if (input?.signal) init.signal = input.signal;
    // JSON bodies are parsed here rather than by openapi-fetch, so that a page that is not JSON
    // becomes a typed error instead of a SyntaxError or `undefined`.
    const json = meta.parseAs === undefined || meta.parseAs === "json";
    init.parseAs = json ? "text" : meta.parseAs;
    const querySerializer = querySerializerFor(meta);
    if (querySerializer) init.querySerializer = querySerializer;
    const bodySerializer = bodySerializerFor(meta);
    if (bodySerializer) init.bodySerializer = bodySerializer;

    const { data, error, response } = await state.fetchClient.request(
      meta.method as any,
      meta.path as any,
      init as any,
    );
    // The URL as built, before a query-placed credential joined it; a redirect's target as is.
    const url = (response.redirected && response.url) || sent?.url || response.url;
    if (error !== undefined || !response.ok) {
      throw errorFromResponse(response, error, {
        portal,
        operationId: meta.id,
        method: meta.method,
        url,
        retryAfterMs: parseRetryAfter(response.headers),
      });
    }
    const body = json
      ? parseJsonBody(data as string | undefined, response, meta, {
          portal,
          operationId: meta.id,
          method: meta.method,
          url,
        })
      : data;
    return withResponse ? { data: body, response } : body;
  } catch (error) {
    const context = { portal, operationId: meta.id, method: meta.method, url: sent?.url };
    throw scrubError(asPortalError(error, context, sent !== undefined), state.secrets);
  }
}

/**
 * Any failure as a {@link PortalError}: a body cut short as a `ResponseTruncatedError`, an error
 * from building the request (a body that cannot be serialised) as a `ValidationError`, anything
 * else as a plain `PortalError` with the original as its `cause`.
 */
function asPortalError(
  error: unknown,
  context: { portal: string; operationId?: string | undefined; method?: string; url?: string | undefined },
  sent: boolean,
): PortalError {
  if (error instanceof PortalError) return error;
  const cut = bodyReadError(error, undefined, context);
  if (cut) return cut;
  const reason = error instanceof Error ? error.message : String(error);
  const what = context.operationId ?? context.method ?? "the request";
  if (!sent) {
    return new ValidationError(`${context.portal}: ${what}: the request could not be built: ${reason}`, {
      ...context,
      code: "invalid_argument",
      cause: error,
    });
  }
  return new PortalError(`${context.portal}: ${what} failed: ${reason}`, {
    ...context,
    code: "unexpected_error",
    cause: error,
  });
}

/** A credential the user passed, registering every value it hands out as a secret. */
function registering(credential: Credential, secrets: SecretRegistry): Credential {
  const remember = (applied: AppliedCredential) => {
    secrets.add(applied.value);
    // "Bearer <token>": the token alone may be echoed too.
    const space = applied.value.indexOf(" ");
    if (space > 0) secrets.add(applied.value.slice(space + 1));
    return applied;
  };
  const wrapped: Credential = {
    get(signal) {
      const got = credential.get(signal);
      return got instanceof Promise ? got.then(remember) : remember(got);
    },
  };
  if (credential.refresh) wrapped.refresh = (applied, signal) => credential.refresh!(applied, signal);
  return wrapped;
}

/** A URL that failed to parse, with anything that looks like `user:password@` removed. */
function withoutUserInfo(url: string): string {
  return url.replace(/^([a-z][\w+.-]*:\/\/)[^/?#@]*@/i, "$1");
}
