/**
 * Authentication as BrainSTEM has it since 2FA (docs commit 9e93dec): personal access tokens and
 * the device flow that issues them.
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
  };
}

/**
 * The one scheme: a personal access token, obtained in the web UI or with the device flow. Since
 * docs commit 9e93dec (2026-03-30) there is no password login ("your password is never sent to a
 * script or CLI tool"), so the seed's JWT endpoints are not in the spec (PROVENANCE.md says why).
 */
export function securitySchemes(): JsonObject {
  return {
    PersonalAccessToken: {
      type: "http",
      scheme: "bearer",
      description:
        "Personal access token (one year, sliding). Create one in the web UI or with the device authorization flow.",
      // BRAINSTEM_API_TOKEN is the py CLI's variable; mat reads BRAINSTEM_TOKEN instead.
      // tokenFile: where py caches the token (`_TOKEN_FILE`, the bare token, 0600), so one login serves both.
      "x-sciportals-credential": {
        option: "token",
        env: "BRAINSTEM_API_TOKEN",
        help: "Create a personal access token at https://www.brainstem.org/private/users/tokens/ (or sign in with the device flow).",
        tokenFile: "~/.config/brainstem/token",
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
  };
}
