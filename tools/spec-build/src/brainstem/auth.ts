/**
 * Authentication: the device flow (current), the deprecated password endpoints (seed only),
 * their schemas and the two security schemes.
 * @module
 */
import type { JsonObject } from "@sciportals/codegen/spec";
import { json, ref, resp } from "./oas.js";
import { op } from "./operations.js";
import type { PathItem } from "./paths.js";

/** The request and response schemas of the auth operations. */
export function authSchemas(): JsonObject {
  return {
    DeviceAuthorizationRequest: {
      type: "object",
      properties: {
        client_name: {
          type: "string",
          description: "Shown to the user; the Python client sends `brainstem-python`.",
        },
      },
    },
    DeviceAuthorization: {
      type: "object",
      required: ["device_code"],
      properties: {
        device_code: { type: "string", description: "Send to /api/auth/device/token/ when polling." },
        user_code: {
          type: "string",
          description: "Code the user enters at `verification_uri` (headless mode).",
        },
        verification_uri: { type: "string" },
        verification_uri_complete: {
          type: "string",
          description: "Approval page with the session filled in.",
        },
        interval: { type: "integer", description: "Seconds between polls (5)." },
        expires_in: { type: "integer", description: "Seconds the device session lives (15 minutes)." },
        session_id: { type: "string" },
      },
    },
    DeviceTokenRequest: {
      type: "object",
      required: ["device_code"],
      properties: { device_code: { type: "string" } },
    },
    DeviceTokenResponse: {
      type: "object",
      description:
        "Always HTTP 200: `{status: authorization_pending}` (keep polling), `{status: success, token}` (done), or `{error}`.",
      properties: {
        status: { type: "string", description: "`authorization_pending` or `success`." },
        token: { type: "string", description: "The personal access token, on success." },
        error: {
          type: "string",
          description: "`access_denied`, `expired_token` or `already_used`: stop polling.",
        },
      },
    },
    LoginRequest: {
      type: "object",
      required: ["email", "password"],
      properties: { email: { type: "string" }, password: { type: "string", format: "password" } },
    },
    TokenPair: {
      type: "object",
      required: ["access", "refresh"],
      properties: {
        access: { type: "string", description: "Access token (1 hour)." },
        refresh: { type: "string", description: "Refresh token (30 days)." },
        token_type: { type: "string", description: "`bearer`." },
        expires_in: { type: "integer", description: "Seconds until the access token expires (3600)." },
      },
    },
    RefreshRequest: {
      type: "object",
      required: ["refresh"],
      properties: { refresh: { type: "string" } },
    },
    RefreshedTokens: {
      type: "object",
      required: ["access"],
      description: "A new access token and a new refresh token; the old refresh token stops working.",
      properties: {
        access: { type: "string" },
        refresh: { type: "string" },
        token_type: { type: "string" },
        expires_in: { type: "integer" },
      },
    },
    LegacyTokenRequest: {
      type: "object",
      required: ["username", "password"],
      properties: {
        username: { type: "string", description: "The account email." },
        password: { type: "string", format: "password" },
      },
    },
    LegacyToken: {
      type: "object",
      description:
        "The seed shows `access`; the pre-v2 clients read `token`. Either may carry the long-lived token.",
      properties: {
        access: { type: "string" },
        token: { type: "string" },
        token_id: { type: "integer" },
        message: { type: "string" },
      },
    },
  };
}

/** The auth operations, by path. */
export function authPaths(): Record<string, PathItem> {
  const tags = ["auth"];
  return {
    "/api/auth/device/": {
      post: op({
        operationId: "startDeviceAuthorization",
        summary: "Start a device authorization",
        description:
          "Step 1 of the browser sign-in flow (2FA-safe): open `verification_uri_complete` (or show `user_code`), then poll pollDeviceAuthorization every `interval` seconds. " +
          "Source: docs/api.md; Python `_device_auth_flow`; MATLAB `get_token.m`. The success status code is not documented; the clients accept any 2xx.",
        tags,
        security: [],
        requestBody: {
          required: false,
          content: { "application/json": { schema: ref("DeviceAuthorizationRequest") } },
        },
        responses: {
          200: json(ref("DeviceAuthorization"), "A device session."),
          400: resp("BadRequest"),
          500: resp("ServerError"),
        },
        "x-sciportals-provenance": "public",
      }),
    },
    "/api/auth/device/token/": {
      post: op({
        operationId: "pollDeviceAuthorization",
        summary: "Poll a device authorization",
        description:
          "Always answers HTTP 200; the body says what happened (pending, success with the personal access token, or an error). Source: docs/api.md.",
        tags,
        security: [],
        requestBody: {
          required: true,
          content: { "application/json": { schema: ref("DeviceTokenRequest") } },
        },
        responses: {
          200: json(ref("DeviceTokenResponse"), "The state of the device session."),
          400: resp("BadRequest"),
          500: resp("ServerError"),
        },
        "x-sciportals-provenance": "public",
      }),
    },
    "/api/auth/token/": {
      post: op({
        operationId: "login",
        summary: "Get an access and refresh token pair",
        description:
          "Email and password for a 1-hour access token and a 30-day refresh token. Documented only in the seed (docs/api.md before 2026-03-30); " +
          "removed from the current docs when 2FA made the device flow mandatory, so it may be gone.",
        tags,
        deprecated: true,
        security: [],
        requestBody: { required: true, content: { "application/json": { schema: ref("LoginRequest") } } },
        responses: {
          200: json(ref("TokenPair"), "A token pair."),
          400: resp("BadRequest"),
          401: resp("Unauthorized"),
          500: resp("ServerError"),
        },
        "x-sciportals-provenance": "seed",
      }),
    },
    "/api/auth/token/refresh/": {
      post: op({
        operationId: "refreshToken",
        summary: "Refresh an access token",
        description:
          "Returns a new access token and a new refresh token; the refresh token sent becomes invalid (rotation). Seed only; deprecated upstream.",
        tags,
        deprecated: true,
        security: [],
        requestBody: { required: true, content: { "application/json": { schema: ref("RefreshRequest") } } },
        responses: {
          200: json(ref("RefreshedTokens"), "New tokens."),
          400: resp("BadRequest"),
          401: resp("Unauthorized"),
          500: resp("ServerError"),
        },
        "x-sciportals-provenance": "seed",
      }),
    },
    "/api/token/": {
      post: op({
        operationId: "obtainLegacyToken",
        summary: "Get a long-lived token (legacy)",
        description:
          "Username (email) and password for a sliding token equivalent to a personal access token; it shows up on the token management page. " +
          "The seed shows `{access, token_id, message}`; the pre-v2 clients read `token`. Seed only; deprecated upstream.",
        tags,
        deprecated: true,
        security: [],
        requestBody: {
          required: true,
          content: { "application/json": { schema: ref("LegacyTokenRequest") } },
        },
        responses: {
          200: json(ref("LegacyToken"), "A long-lived token."),
          400: resp("BadRequest"),
          401: resp("Unauthorized"),
          500: resp("ServerError"),
        },
        "x-sciportals-provenance": "seed",
      }),
    },
  };
}

/**
 * The two bearer schemes. The personal access token is current and carries the device flow; the
 * JWT session comes from the seed only (its refresh token goes in the body and rotates).
 */
export function securitySchemes(): JsonObject {
  return {
    PersonalAccessToken: {
      type: "http",
      scheme: "bearer",
      description:
        "Personal access token (one year, sliding). Create one in the web UI or with the device authorization flow.",
      // BRAINSTEM_API_TOKEN is the py CLI's variable; mat reads BRAINSTEM_TOKEN instead.
      "x-sciportals-credential": {
        option: "token",
        env: "BRAINSTEM_API_TOKEN",
        help: "Create a personal access token at https://www.brainstem.org/private/users/tokens/ (or sign in with the device flow).",
      },
      "x-sciportals-device-flow": {
        start: "startDeviceAuthorization",
        poll: "pollDeviceAuthorization",
        status: "status",
        pending: ["authorization_pending", "slow_down"],
        token: "token",
        error: "error",
      },
    },
    JwtAccessToken: {
      type: "http",
      scheme: "bearer",
      bearerFormat: "JWT",
      description: "Short-lived access token from the deprecated email/password login (seed only).",
      "x-sciportals-session": {
        login: "login",
        refresh: "refreshToken",
        refreshCredential: "body",
        refreshTokenField: "refresh",
        accessToken: ["access"],
        refreshToken: ["refresh"],
        expiresIn: "expires_in",
        options: ["email", "password"],
      },
    },
  };
}
