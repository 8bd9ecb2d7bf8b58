// Generated from the Rolegate OpenAPI document by scripts/generate-api-types.ts. Do not edit:
// run `npm run generate:api-types` (test/http/openapi.test.ts fails while this file is stale).

export interface paths {
    "/.well-known/rolegate-audit-keys": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Public keys that sign audit checkpoints, with their validity periods */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            deployment: string | null;
                            /** @enum {string} */
                            format: "rolegate-audit-keys/v1";
                            keys: {
                                /** @enum {string} */
                                alg: "EdDSA" | "ES256";
                                jwk: {
                                    [key: string]: unknown;
                                };
                                kid: string;
                                validFrom: string;
                                validUntil: string | null;
                            }[];
                        };
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/.well-known/rolegate-audit-keys.json": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Public keys that sign audit checkpoints, with their validity periods */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            deployment: string | null;
                            /** @enum {string} */
                            format: "rolegate-audit-keys/v1";
                            keys: {
                                /** @enum {string} */
                                alg: "EdDSA" | "ES256";
                                jwk: {
                                    [key: string]: unknown;
                                };
                                kid: string;
                                validFrom: string;
                                validUntil: string | null;
                            }[];
                        };
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/healthz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The process is up */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @enum {string} */
                            status: "ok";
                        };
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/mcp": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** MCP (Streamable HTTP, stateless; OAuth access token or API key) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/readyz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Ready to serve: the database answers */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            secrets?: {
                                restartPending: boolean;
                                /** @enum {string} */
                                state: "current" | "kept";
                                variable: string;
                            }[];
                            /** @enum {string} */
                            status: "ready";
                        };
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/scim/v2/Users": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** SCIM: list users (filter=userName eq "…") */
        get: {
            parameters: {
                query?: {
                    attributes?: string;
                    count?: number;
                    excludedAttributes?: string;
                    filter?: string;
                    startIndex?: number;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        /** SCIM: provision a user */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        active?: boolean;
                        displayName?: string;
                        externalId?: string;
                        schemas?: string[];
                        userName: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/scim/v2/Users/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** SCIM: one user */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        /** SCIM: replace a user (active, displayName, externalId; userName cannot change) */
        put: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        active?: boolean;
                        displayName?: string;
                        externalId?: string;
                        schemas?: string[];
                        userName: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        post?: never;
        /** SCIM: deprovision a user */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        /** SCIM: update a user (active, displayName, externalId) */
        patch: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        Operations: {
                            op: string;
                            path?: string;
                            value?: unknown;
                        }[];
                        schemas: string[];
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        trace?: never;
    };
    "/v1/auth/login": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Exchange credentials for tokens */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        email: string;
                        password: string;
                        totp?: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            accessToken: string;
                            expiresIn: number;
                            refreshToken?: string;
                        };
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/auth/logout": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Revoke the current session */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": null;
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/auth/logout-all": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Revoke every session of the user */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            revoked: number;
                        };
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/auth/mfa/disable": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Turn TOTP off (needs a current code or a backup code) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        code: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": null;
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/auth/mfa/enable": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Confirm TOTP with a current code; returns backup codes once */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        code: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            backupCodes: string[];
                        };
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/auth/mfa/setup": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Start TOTP enrolment */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            otpauthUri: string;
                            qrCodeDataUrl: string;
                            secret: string;
                        };
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/auth/password": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Change the password; other sessions are revoked */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        currentPassword: string;
                        newPassword: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": null;
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/auth/refresh": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Rotate a refresh token (204: a browser client without a session cookie, nothing to resume) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        refreshToken?: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            accessToken: string;
                            expiresIn: number;
                            refreshToken?: string;
                        };
                    };
                };
                /** @description Default Response */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": null;
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/auth/signup": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Create an account and its first organisation */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        email: string;
                        invitationToken?: string;
                        name?: string;
                        organizationName?: string;
                        password: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            organization: {
                                id: string;
                                name: string;
                            };
                            user: {
                                email: string;
                                id: string;
                            };
                        };
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/auth/sso/callback": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The identity provider’s redirect back: opens a session (refresh cookie) and goes to the console */
        get: {
            parameters: {
                query?: {
                    code?: string;
                    error?: string;
                    error_description?: string;
                    iss?: string;
                    session_state?: string;
                    state?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                302: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": null;
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/auth/sso/start": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Start a single sign-on: redirect to the organisation’s identity provider */
        get: {
            parameters: {
                query?: {
                    email?: string;
                    mode?: "redirect" | "json";
                    org?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            redirectUrl: string;
                        };
                    };
                };
                /** @description Default Response */
                302: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": null;
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/intents": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The intent catalogue (tool definitions for LLMs) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                capability: string | null;
                                description: string;
                                input: {
                                    [key: string]: unknown;
                                };
                                name: string;
                                output: {
                                    [key: string]: unknown;
                                };
                                permission: string;
                                requiresConnection: boolean;
                            }[];
                        };
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        /** Run one intent (JSON in, JSON out) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        connectionId?: string;
                        intent: string;
                        orgId?: string;
                        /** @default {} */
                        params?: {
                            [key: string]: unknown;
                        };
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            connectionId: string | null;
                            intent: string;
                            result: unknown;
                        };
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/invitations/accept": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Accept an invitation addressed to your email (single use) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        token: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            orgId: string;
                            /** @enum {string} */
                            role: "viewer" | "member" | "admin" | "owner";
                        };
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/me": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The current user and their organisations */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            organizations: {
                                id: string;
                                name: string;
                                permissions: ("org:read" | "org:update" | "org:delete" | "members:read" | "members:manage" | "members:leave" | "invitations:manage" | "api-keys:read" | "api-keys:manage" | "connections:read" | "connections:write" | "connections:verify" | "connections:templates" | "s3:read" | "s3:write" | "logs:read" | "dynamodb:read" | "lambda:read" | "lambda:invoke" | "scans:read" | "scans:run" | "findings:dismiss" | "cleanup:execute" | "audit:read" | "audit:export" | "insights:read" | "reconcile:read" | "reconcile:run" | "webhooks:read" | "webhooks:manage" | "sso:read" | "sso:manage" | "approvals:request" | "approvals:decide" | "approvals:policy" | "billing")[];
                                /** @enum {string} */
                                role: "viewer" | "member" | "admin" | "owner";
                            }[];
                            user: {
                                email: string;
                                id: string;
                                mfaEnabled: boolean;
                                name: string | null;
                            };
                        };
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        /** Delete your account (refused while you are the last owner of an organisation with other members) */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        password: string;
                        totp?: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @enum {boolean} */
                            deleted: true;
                            deletedOrganizations: string[];
                            revokedApiKeys: number;
                        };
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/me/export": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Export all data held about you (JSON, no secrets) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            apiKeys: {
                                createdAt: string;
                                expiresAt: string | null;
                                id: string;
                                lastUsedAt: string | null;
                                name: string;
                                orgId: string;
                                prefix: string;
                                revokedAt: string | null;
                                role: string;
                            }[];
                            approvalDecisions: {
                                comment: string | null;
                                createdAt: string;
                                decision: string;
                                orgId: string;
                                requestId: string;
                            }[];
                            approvalRequests: {
                                connectionId: string | null;
                                createdAt: string;
                                elevatedRole: string | null;
                                expiresAt: string;
                                id: string;
                                kind: string;
                                operation: string | null;
                                orgId: string;
                                reason: string | null;
                                requesterId: string;
                                requesterType: string;
                                resource: string | null;
                                status: string;
                                usedAt: string | null;
                            }[];
                            auditEvents: {
                                action: string;
                                connectionId: string | null;
                                createdAt: string;
                                details: {
                                    [key: string]: unknown;
                                };
                                errorCode: string | null;
                                id: string;
                                ip: string | null;
                                operation: string | null;
                                orgId: string | null;
                                outcome: string;
                                requestId: string | null;
                                resource: string | null;
                                seq: number;
                                targetId: string | null;
                                targetType: string | null;
                                userAgent: string | null;
                            }[];
                            auditEventsAboutUser: {
                                action: string;
                                actorId: string | null;
                                actorType: string;
                                connectionId: string | null;
                                createdAt: string;
                                details: {
                                    [key: string]: unknown;
                                };
                                errorCode: string | null;
                                id: string;
                                ip: string | null;
                                operation: string | null;
                                orgId: string | null;
                                outcome: string;
                                requestId: string | null;
                                resource: string | null;
                                seq: number;
                                targetId: string | null;
                                targetType: string | null;
                                userAgent: string | null;
                            }[];
                            auditEventsAboutUserTruncated: boolean;
                            auditEventsByApiKeys: {
                                action: string;
                                actorId: string | null;
                                connectionId: string | null;
                                createdAt: string;
                                details: {
                                    [key: string]: unknown;
                                };
                                errorCode: string | null;
                                id: string;
                                ip: string | null;
                                operation: string | null;
                                orgId: string | null;
                                outcome: string;
                                requestId: string | null;
                                resource: string | null;
                                seq: number;
                                targetId: string | null;
                                targetType: string | null;
                                userAgent: string | null;
                            }[];
                            auditEventsByApiKeysTruncated: boolean;
                            auditEventsTruncated: boolean;
                            exportedAt: string;
                            invitationsSent: {
                                acceptedAt: string | null;
                                createdAt: string;
                                expiresAt: string;
                                id: string;
                                orgId: string;
                                revokedAt: string | null;
                                role: string;
                            }[];
                            memberships: {
                                joinedAt: string;
                                orgId: string;
                                orgName: string;
                                role: string;
                            }[];
                            sessions: {
                                createdAt: string;
                                expiresAt: string;
                                id: string;
                                ip: string | null;
                                lastUsedAt: string;
                                revokedAt: string | null;
                                revokedReason: string | null;
                                userAgent: string | null;
                            }[];
                            user: {
                                createdAt: string;
                                email: string;
                                id: string;
                                mfaEnabled: boolean;
                                mfaEnabledAt: string | null;
                                name: string | null;
                                passwordChangedAt: string;
                            };
                        };
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/me/sessions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Sign-in history: the live sessions of the current user */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                createdAt: string;
                                current: boolean;
                                device: string;
                                expiresAt: string;
                                id: string;
                                ip: string | null;
                                lastSeenAt: string;
                                userAgent: string | null;
                            }[];
                            /** @enum {string|null} */
                            nextCursor: null;
                        };
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/me/sessions/{sessionId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Revoke one of the current user's sessions (its tokens stop working at once) */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    sessionId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": null;
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/me/sessions/revoke-others": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Sign out everywhere else: revoke every session but the current one */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            revoked: number;
                        };
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/orgs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Organisations I belong to, with my role */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                createdAt: string;
                                id: string;
                                name: string;
                                /** @enum {string} */
                                role: "viewer" | "member" | "admin" | "owner";
                            }[];
                            /** @enum {string|null} */
                            nextCursor: null;
                        };
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        /** Create an organisation; the creator becomes its owner */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        name: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            createdAt: string;
                            id: string;
                            name: string;
                            /** @enum {string} */
                            role: "viewer" | "member" | "admin" | "owner";
                        };
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/orgs/{orgId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One organisation */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    orgId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            createdAt: string;
                            id: string;
                            name: string;
                            /** @enum {string} */
                            role: "viewer" | "member" | "admin" | "owner";
                        };
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        /** Delete an organisation and everything in it (owner) */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    orgId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description No content */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": null;
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        /** Rename an organisation (admin) */
        patch: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    orgId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        name: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            createdAt: string;
                            id: string;
                            name: string;
                            /** @enum {string} */
                            role: "viewer" | "member" | "admin" | "owner";
                        };
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        trace?: never;
    };
    "/v1/orgs/{orgId}/api-keys": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Active API keys (never with their secret) */
        get: {
            parameters: {
                query?: {
                    cursor?: string;
                    limit?: number;
                };
                header?: never;
                path: {
                    orgId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                createdAt: string;
                                createdBy: string | null;
                                expiresAt: string | null;
                                id: string;
                                lastUsedAt: string | null;
                                name: string;
                                prefix: string;
                                /** @enum {string} */
                                role: "viewer" | "member" | "admin" | "owner";
                                scope: {
                                    allowedCidrs: string[] | null;
                                    capabilities: ("s3-read" | "s3-write" | "logs-read" | "dynamodb-read" | "lambda-read" | "lambda-invoke" | "cost-scan" | "cleanup" | "cloudtrail-read" | "organizations-read" | "audit-export")[] | null;
                                    connectionIds: string[] | null;
                                    readOnly: boolean;
                                } | null;
                            }[];
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        /** Create an API key (role at most your own); the key is shown once */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    orgId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** Format: date-time */
                        expiresAt?: string;
                        name: string;
                        /** @enum {string} */
                        role: "viewer" | "member" | "admin" | "owner";
                        scope?: {
                            allowedCidrs?: string[];
                            capabilities?: ("s3-read" | "s3-write" | "logs-read" | "dynamodb-read" | "lambda-read" | "lambda-invoke" | "cost-scan" | "cleanup" | "cloudtrail-read" | "organizations-read" | "audit-export")[];
                            connectionIds?: string[];
                            readOnly?: boolean;
                        };
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            createdAt: string;
                            expiresAt: string | null;
                            id: string;
                            key: string;
                            name: string;
                            prefix: string;
                            /** @enum {string} */
                            role: "viewer" | "member" | "admin" | "owner";
                            scope: {
                                allowedCidrs: string[] | null;
                                capabilities: ("s3-read" | "s3-write" | "logs-read" | "dynamodb-read" | "lambda-read" | "lambda-invoke" | "cost-scan" | "cleanup" | "cloudtrail-read" | "organizations-read" | "audit-export")[] | null;
                                connectionIds: string[] | null;
                                readOnly: boolean;
                            } | null;
                        };
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/orgs/{orgId}/api-keys/{keyId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Revoke an API key (effective immediately) */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    keyId: string;
                    orgId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description No content */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": null;
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/orgs/{orgId}/approval-policy": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The approval policy: which operations need approval, by whom, and how long a grant lasts */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    orgId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            approvalsRequired: number;
                            approverRoles: ("admin" | "owner")[];
                            /** @enum {string} */
                            grantMode: "single_use" | "time_boxed";
                            grantTtlSeconds: number;
                            isDefault: boolean;
                            operations: string[];
                            updatedAt: string | null;
                        };
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        /** Replace the approval policy */
        put: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    orgId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        approvalsRequired: number;
                        approverRoles: ("admin" | "owner")[];
                        /** @enum {string} */
                        grantMode: "single_use" | "time_boxed";
                        grantTtlSeconds: number;
                        operations: string[];
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            approvalsRequired: number;
                            approverRoles: ("admin" | "owner")[];
                            /** @enum {string} */
                            grantMode: "single_use" | "time_boxed";
                            grantTtlSeconds: number;
                            isDefault: boolean;
                            operations: string[];
                            updatedAt: string | null;
                        };
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/orgs/{orgId}/approvals": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Approval requests and grants (approvers see all; others their own) */
        get: {
            parameters: {
                query?: {
                    cursor?: string;
                    kind?: "operation" | "elevation";
                    limit?: number;
                    status?: "pending" | "approved" | "denied" | "revoked" | "expired" | "used";
                };
                header?: never;
                path: {
                    orgId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                approvals: number;
                                approvalsRequired: number;
                                connectionId: string | null;
                                createdAt: string;
                                decidedAt: string | null;
                                decisions: {
                                    approverUserId: string;
                                    comment: string | null;
                                    createdAt: string;
                                    /** @enum {string} */
                                    decision: "approve" | "deny";
                                }[];
                                elevatedRole: string | null;
                                expiresAt: string;
                                /** @enum {string} */
                                grantMode: "single_use" | "time_boxed";
                                grantTtlSeconds: number;
                                id: string;
                                /** @enum {string} */
                                kind: "operation" | "elevation";
                                operation: string | null;
                                reason: string | null;
                                requester: {
                                    id: string;
                                    /** @enum {string} */
                                    type: "user" | "apiKey" | "oauth";
                                    userId: string | null;
                                };
                                resource: string | null;
                                /** @enum {string} */
                                status: "pending" | "approved" | "denied" | "revoked" | "expired" | "used";
                                usedAt: string | null;
                            }[];
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        /** Ask for approval of an operation on a connection and resource scope (reused if already pending) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    orgId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        connectionId: string;
                        operation: string;
                        reason: string;
                        resource: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            approvals: number;
                            approvalsRequired: number;
                            connectionId: string | null;
                            createdAt: string;
                            decidedAt: string | null;
                            decisions: {
                                approverUserId: string;
                                comment: string | null;
                                createdAt: string;
                                /** @enum {string} */
                                decision: "approve" | "deny";
                            }[];
                            elevatedRole: string | null;
                            expiresAt: string;
                            /** @enum {string} */
                            grantMode: "single_use" | "time_boxed";
                            grantTtlSeconds: number;
                            id: string;
                            /** @enum {string} */
                            kind: "operation" | "elevation";
                            operation: string | null;
                            reason: string | null;
                            requester: {
                                id: string;
                                /** @enum {string} */
                                type: "user" | "apiKey" | "oauth";
                                userId: string | null;
                            };
                            resource: string | null;
                            /** @enum {string} */
                            status: "pending" | "approved" | "denied" | "revoked" | "expired" | "used";
                            usedAt: string | null;
                        };
                    };
                };
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            approvals: number;
                            approvalsRequired: number;
                            connectionId: string | null;
                            createdAt: string;
                            decidedAt: string | null;
                            decisions: {
                                approverUserId: string;
                                comment: string | null;
                                createdAt: string;
                                /** @enum {string} */
                                decision: "approve" | "deny";
                            }[];
                            elevatedRole: string | null;
                            expiresAt: string;
                            /** @enum {string} */
                            grantMode: "single_use" | "time_boxed";
                            grantTtlSeconds: number;
                            id: string;
                            /** @enum {string} */
                            kind: "operation" | "elevation";
                            operation: string | null;
                            reason: string | null;
                            requester: {
                                id: string;
                                /** @enum {string} */
                                type: "user" | "apiKey" | "oauth";
                                userId: string | null;
                            };
                            resource: string | null;
                            /** @enum {string} */
                            status: "pending" | "approved" | "denied" | "revoked" | "expired" | "used";
                            usedAt: string | null;
                        };
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/orgs/{orgId}/approvals/{approvalId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One approval request, its decisions and its grant */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    approvalId: string;
                    orgId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            approvals: number;
                            approvalsRequired: number;
                            connectionId: string | null;
                            createdAt: string;
                            decidedAt: string | null;
                            decisions: {
                                approverUserId: string;
                                comment: string | null;
                                createdAt: string;
                                /** @enum {string} */
                                decision: "approve" | "deny";
                            }[];
                            elevatedRole: string | null;
                            expiresAt: string;
                            /** @enum {string} */
                            grantMode: "single_use" | "time_boxed";
                            grantTtlSeconds: number;
                            id: string;
                            /** @enum {string} */
                            kind: "operation" | "elevation";
                            operation: string | null;
                            reason: string | null;
                            requester: {
                                id: string;
                                /** @enum {string} */
                                type: "user" | "apiKey" | "oauth";
                                userId: string | null;
                            };
                            resource: string | null;
                            /** @enum {string} */
                            status: "pending" | "approved" | "denied" | "revoked" | "expired" | "used";
                            usedAt: string | null;
                        };
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/orgs/{orgId}/approvals/{approvalId}/approve": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Approve a request (never one’s own) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    approvalId: string;
                    orgId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        comment?: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            approvals: number;
                            approvalsRequired: number;
                            connectionId: string | null;
                            createdAt: string;
                            decidedAt: string | null;
                            decisions: {
                                approverUserId: string;
                                comment: string | null;
                                createdAt: string;
                                /** @enum {string} */
                                decision: "approve" | "deny";
                            }[];
                            elevatedRole: string | null;
                            expiresAt: string;
                            /** @enum {string} */
                            grantMode: "single_use" | "time_boxed";
                            grantTtlSeconds: number;
                            id: string;
                            /** @enum {string} */
                            kind: "operation" | "elevation";
                            operation: string | null;
                            reason: string | null;
                            requester: {
                                id: string;
                                /** @enum {string} */
                                type: "user" | "apiKey" | "oauth";
                                userId: string | null;
                            };
                            resource: string | null;
                            /** @enum {string} */
                            status: "pending" | "approved" | "denied" | "revoked" | "expired" | "used";
                            usedAt: string | null;
                        };
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/orgs/{orgId}/approvals/{approvalId}/deny": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Deny a request */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    approvalId: string;
                    orgId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        comment?: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            approvals: number;
                            approvalsRequired: number;
                            connectionId: string | null;
                            createdAt: string;
                            decidedAt: string | null;
                            decisions: {
                                approverUserId: string;
                                comment: string | null;
                                createdAt: string;
                                /** @enum {string} */
                                decision: "approve" | "deny";
                            }[];
                            elevatedRole: string | null;
                            expiresAt: string;
                            /** @enum {string} */
                            grantMode: "single_use" | "time_boxed";
                            grantTtlSeconds: number;
                            id: string;
                            /** @enum {string} */
                            kind: "operation" | "elevation";
                            operation: string | null;
                            reason: string | null;
                            requester: {
                                id: string;
                                /** @enum {string} */
                                type: "user" | "apiKey" | "oauth";
                                userId: string | null;
                            };
                            resource: string | null;
                            /** @enum {string} */
                            status: "pending" | "approved" | "denied" | "revoked" | "expired" | "used";
                            usedAt: string | null;
                        };
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/orgs/{orgId}/approvals/{approvalId}/revoke": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Withdraw a request or revoke a grant (the requester, or an approver) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    approvalId: string;
                    orgId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        comment?: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            approvals: number;
                            approvalsRequired: number;
                            connectionId: string | null;
                            createdAt: string;
                            decidedAt: string | null;
                            decisions: {
                                approverUserId: string;
                                comment: string | null;
                                createdAt: string;
                                /** @enum {string} */
                                decision: "approve" | "deny";
                            }[];
                            elevatedRole: string | null;
                            expiresAt: string;
                            /** @enum {string} */
                            grantMode: "single_use" | "time_boxed";
                            grantTtlSeconds: number;
                            id: string;
                            /** @enum {string} */
                            kind: "operation" | "elevation";
                            operation: string | null;
                            reason: string | null;
                            requester: {
                                id: string;
                                /** @enum {string} */
                                type: "user" | "apiKey" | "oauth";
                                userId: string | null;
                            };
                            resource: string | null;
                            /** @enum {string} */
                            status: "pending" | "approved" | "denied" | "revoked" | "expired" | "used";
                            usedAt: string | null;
                        };
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/orgs/{orgId}/audit": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Query the organisation's audit trail (newest first), with the names of the people, keys and connections its records name (resolved now, never part of the hashed records) */
        get: {
            parameters: {
                query?: {
                    action?: string;
                    actorId?: string;
                    connectionId?: string;
                    cursor?: string;
                    from?: string;
                    limit?: number;
                    outcome?: "success" | "failure" | "denied" | "attempt" | "error";
                    to?: string;
                };
                header?: never;
                path: {
                    orgId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            actors: {
                                [key: string]: {
                                    email: string | null;
                                    /** @enum {string} */
                                    kind: "user" | "apiKey" | "agent";
                                    name: string | null;
                                    onBehalfOf: string | null;
                                    /** @enum {string} */
                                    status: "member" | "former_member" | "active" | "revoked" | "expired";
                                };
                            };
                            connections: {
                                [key: string]: {
                                    name: string;
                                };
                            };
                            items: {
                                action: string;
                                actorId: string | null;
                                actorRef: string | null;
                                actorType: string;
                                connectionId: string | null;
                                createdAt: string;
                                details: {
                                    [key: string]: unknown;
                                };
                                errorCode: string | null;
                                hash: string;
                                id: string;
                                ip: string | null;
                                ipRef: string | null;
                                operation: string | null;
                                outcome: string;
                                prevHash: string;
                                requestId: string | null;
                                resource: string | null;
                                seq: number;
                                targetId: string | null;
                                targetRef: string | null;
                                targetType: string | null;
                                userAgent: string | null;
                                userAgentRef: string | null;
                            }[];
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/orgs/{orgId}/audit/checkpoints": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The organisation's signed checkpoints, oldest first (page with `after`) */
        get: {
            parameters: {
                query?: {
                    after?: number;
                    limit?: number;
                };
                header?: never;
                path: {
                    orgId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                /** @enum {string} */
                                alg: "EdDSA" | "ES256";
                                deployment: string;
                                /** @enum {string} */
                                format: "rolegate-audit-checkpoint/v1";
                                hash: string;
                                head: string;
                                kid: string;
                                n: number;
                                org: string;
                                prev: string;
                                seq: number;
                                signature: string;
                                time: string;
                            }[];
                            nextAfter: number | null;
                        };
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        /** Sign a checkpoint of the organisation's chain now (it covers the record of this request) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    orgId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            checkpoint: {
                                /** @enum {string} */
                                alg: "EdDSA" | "ES256";
                                deployment: string;
                                /** @enum {string} */
                                format: "rolegate-audit-checkpoint/v1";
                                hash: string;
                                head: string;
                                kid: string;
                                n: number;
                                org: string;
                                prev: string;
                                seq: number;
                                signature: string;
                                time: string;
                            } | null;
                            /** @enum {string} */
                            status: "created" | "unchanged" | "empty" | "raced" | "contradicted";
                        };
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/orgs/{orgId}/audit/export": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Export the audit trail as NDJSON or CSV (streamed, in chain order) */
        get: {
            parameters: {
                query?: {
                    format?: "ndjson" | "csv";
                    from?: string;
                    to?: string;
                };
                header?: never;
                path: {
                    orgId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/orgs/{orgId}/audit/export-target": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Where signed checkpoints are delivered, and how far delivery got (target null when none) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    orgId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            target: {
                                bucket: string;
                                checkpointKeyTemplate: string;
                                connectionId: string;
                                includeRecords: boolean;
                                prefix: string;
                                status: {
                                    deliveredN: number;
                                    failures: number;
                                    lastDeliveredAt: string | null;
                                    lastError: {
                                        at: string;
                                        code: string;
                                    } | null;
                                    latestN: number;
                                    nextAttemptAt: string | null;
                                };
                            } | null;
                        };
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        /** Deliver signed checkpoints to an S3 bucket through a connection with the audit-export capability */
        put: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    orgId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        bucket: string;
                        connectionId: string;
                        /** @default false */
                        includeRecords?: boolean;
                        /** @default  */
                        prefix?: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            target: {
                                bucket: string;
                                checkpointKeyTemplate: string;
                                connectionId: string;
                                includeRecords: boolean;
                                prefix: string;
                                status: {
                                    deliveredN: number;
                                    failures: number;
                                    lastDeliveredAt: string | null;
                                    lastError: {
                                        at: string;
                                        code: string;
                                    } | null;
                                    latestN: number;
                                    nextAttemptAt: string | null;
                                };
                            } | null;
                        };
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        post?: never;
        /** Stop delivering checkpoints (what was delivered stays in the bucket) */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    orgId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description No content */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": null;
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/orgs/{orgId}/audit/export-target/deliveries": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Deliver pending checkpoints now (retry after a failure without waiting for the back-off) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    orgId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            target: {
                                bucket: string;
                                checkpointKeyTemplate: string;
                                connectionId: string;
                                includeRecords: boolean;
                                prefix: string;
                                status: {
                                    deliveredN: number;
                                    failures: number;
                                    lastDeliveredAt: string | null;
                                    lastError: {
                                        at: string;
                                        code: string;
                                    } | null;
                                    latestN: number;
                                    nextAttemptAt: string | null;
                                };
                            } | null;
                        };
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/orgs/{orgId}/audit/sign-ins": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Sign-in events of the organisation's current members since they joined (logins, MFA checks, lock-outs, sign-outs, from the system chain) and of its single sign-on (its own chain), newest first */
        get: {
            parameters: {
                query?: {
                    actorId?: string;
                    cursor?: string;
                    from?: string;
                    limit?: number;
                    outcome?: "success" | "failure" | "denied" | "attempt" | "error";
                    to?: string;
                };
                header?: never;
                path: {
                    orgId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            actors: {
                                [key: string]: {
                                    email: string | null;
                                    /** @enum {string} */
                                    kind: "user" | "apiKey" | "agent";
                                    name: string | null;
                                    onBehalfOf: string | null;
                                    /** @enum {string} */
                                    status: "member" | "former_member" | "active" | "revoked" | "expired";
                                };
                            };
                            connections: {
                                [key: string]: {
                                    name: string;
                                };
                            };
                            items: {
                                action: string;
                                actorId: string | null;
                                actorRef: string | null;
                                actorType: string;
                                /** @enum {string} */
                                chain: "organization" | "system";
                                connectionId: string | null;
                                createdAt: string;
                                details: {
                                    [key: string]: unknown;
                                };
                                device: string;
                                errorCode: string | null;
                                hash: string;
                                id: string;
                                ip: string | null;
                                ipRef: string | null;
                                operation: string | null;
                                outcome: string;
                                prevHash: string;
                                requestId: string | null;
                                resource: string | null;
                                seq: number;
                                targetId: string | null;
                                targetRef: string | null;
                                targetType: string | null;
                                userAgent: string | null;
                                userAgentRef: string | null;
                            }[];
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/orgs/{orgId}/audit/verify": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Verify the organisation's hash chain and list every break (incremental from the last verified point unless full=true; `Accept: application/x-ndjson` streams progress, then the result) */
        get: {
            parameters: {
                query?: {
                    against?: "checkpoints";
                    full?: "true" | "false";
                };
                header?: never;
                path: {
                    orgId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            breakCount: number;
                            breaks: {
                                lastSeq?: number;
                                reason: string;
                                seq: number;
                            }[];
                            cached: boolean;
                            checked: number;
                            checkpoints?: {
                                checked: number;
                                firstContradicted: {
                                    n: number;
                                    seq: number;
                                } | null;
                                lastGood: {
                                    n: number;
                                    seq: number;
                                    time: string;
                                } | null;
                                problemCount: number;
                                problems: {
                                    n: number | null;
                                    reason: string;
                                    seq?: number;
                                    source?: string;
                                }[];
                                valid: boolean;
                            };
                            firstBrokenSeq?: number;
                            fromSeq: number;
                            full: boolean;
                            headSeq: number;
                            reason?: string;
                            valid: boolean;
                            verifiedAt: string;
                        };
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/orgs/{orgId}/connection-groups": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List connection groups */
        get: {
            parameters: {
                query?: {
                    cursor?: string;
                    limit?: number;
                };
                header?: never;
                path: {
                    orgId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                capabilities: ("s3-read" | "s3-write" | "logs-read" | "dynamodb-read" | "lambda-read" | "lambda-invoke" | "cost-scan" | "cleanup" | "cloudtrail-read" | "organizations-read" | "audit-export")[];
                                createdAt: string;
                                id: string;
                                lastSyncAt: string | null;
                                managementConnectionId: string;
                                memberStatus: {
                                    [key: string]: number;
                                };
                                name: string;
                                ouIds: string[];
                                progress: {
                                    created: number;
                                    disabled: number;
                                    discovered: number;
                                    error: string | null;
                                    failed: number;
                                    finishedAt: string | null;
                                    retried: number;
                                    startedAt: string | null;
                                    /** @enum {string} */
                                    state: "idle" | "discovering" | "verifying" | "done" | "failed";
                                    toVerify: number;
                                    unsafe: number;
                                    verified: number;
                                };
                                region: string;
                                roleName: string;
                                rootId: string | null;
                                scopes: {
                                    [key: string]: unknown;
                                };
                            }[];
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        /** Create a connection group over an AWS Organization (management connection with organizations-read) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    orgId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        capabilities: ("s3-read" | "s3-write" | "logs-read" | "dynamodb-read" | "lambda-read" | "lambda-invoke" | "cost-scan" | "cleanup" | "cloudtrail-read" | "organizations-read" | "audit-export")[];
                        managementConnectionId: string;
                        name: string;
                        ouIds?: string[];
                        region?: string;
                        roleName?: string;
                        scopes?: {
                            /** @default {} */
                            cleanupTagConditions?: {
                                [key: string]: string;
                            };
                            /** @default [] */
                            dynamodbTables?: string[];
                            /** @default [] */
                            lambdaFunctionPatterns?: string[];
                            /** @default [] */
                            logGroupPrefixes?: string[];
                            /** @default [] */
                            regions?: string[];
                            /** @default [] */
                            s3Buckets?: string[];
                            /** @default [] */
                            s3Prefixes?: string[];
                        };
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            capabilities: ("s3-read" | "s3-write" | "logs-read" | "dynamodb-read" | "lambda-read" | "lambda-invoke" | "cost-scan" | "cleanup" | "cloudtrail-read" | "organizations-read" | "audit-export")[];
                            createdAt: string;
                            id: string;
                            lastSyncAt: string | null;
                            managementConnectionId: string;
                            memberStatus: {
                                [key: string]: number;
                            };
                            name: string;
                            ouIds: string[];
                            progress: {
                                created: number;
                                disabled: number;
                                discovered: number;
                                error: string | null;
                                failed: number;
                                finishedAt: string | null;
                                retried: number;
                                startedAt: string | null;
                                /** @enum {string} */
                                state: "idle" | "discovering" | "verifying" | "done" | "failed";
                                toVerify: number;
                                unsafe: number;
                                verified: number;
                            };
                            region: string;
                            roleName: string;
                            rootId: string | null;
                            scopes: {
                                [key: string]: unknown;
                            };
                        };
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/orgs/{orgId}/connection-groups/{groupId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One connection group, with its sync progress and member status counts */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    groupId: string;
                    orgId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            capabilities: ("s3-read" | "s3-write" | "logs-read" | "dynamodb-read" | "lambda-read" | "lambda-invoke" | "cost-scan" | "cleanup" | "cloudtrail-read" | "organizations-read" | "audit-export")[];
                            createdAt: string;
                            id: string;
                            lastSyncAt: string | null;
                            managementConnectionId: string;
                            memberStatus: {
                                [key: string]: number;
                            };
                            name: string;
                            ouIds: string[];
                            progress: {
                                created: number;
                                disabled: number;
                                discovered: number;
                                error: string | null;
                                failed: number;
                                finishedAt: string | null;
                                retried: number;
                                startedAt: string | null;
                                /** @enum {string} */
                                state: "idle" | "discovering" | "verifying" | "done" | "failed";
                                toVerify: number;
                                unsafe: number;
                                verified: number;
                            };
                            region: string;
                            roleName: string;
                            rootId: string | null;
                            scopes: {
                                [key: string]: unknown;
                            };
                        };
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        /** Delete a connection group and its member connections */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    groupId: string;
                    orgId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/orgs/{orgId}/connection-groups/{groupId}/members": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The member accounts of a group and their connections’ status */
        get: {
            parameters: {
                query?: {
                    cursor?: string;
                    limit?: number;
                };
                header?: never;
                path: {
                    groupId: string;
                    orgId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                accountId: string;
                                accountName: string;
                                /** @enum {string} */
                                accountStatus: "ACTIVE" | "SUSPENDED" | "PENDING_CLOSURE" | "CLOSED" | "REMOVED";
                                connectionId: string;
                                disabledReason: string | null;
                                lastSeenAt: string;
                                /** @enum {string} */
                                status: "pending" | "verified" | "unsafe" | "failed" | "disabled" | "expired";
                            }[];
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/orgs/{orgId}/connection-groups/{groupId}/scans": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Start a cost-waste scan of every verified member account (one scan per account) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    groupId: string;
                    orgId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            skipped: {
                                accountId: string;
                                code: string;
                                connectionId: string;
                            }[];
                            started: {
                                accountId: string;
                                connectionId: string;
                                scanId: string;
                            }[];
                        };
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/orgs/{orgId}/connection-groups/{groupId}/sync": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Discover the accounts (ListAccounts) and verify new members in the background */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    groupId: string;
                    orgId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            created: number;
                            disabled: number;
                            discovered: number;
                            error: string | null;
                            failed: number;
                            finishedAt: string | null;
                            retried: number;
                            startedAt: string | null;
                            /** @enum {string} */
                            state: "idle" | "discovering" | "verifying" | "done" | "failed";
                            toVerify: number;
                            unsafe: number;
                            verified: number;
                        };
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/orgs/{orgId}/connection-groups/{groupId}/templates": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The StackSet (CloudFormation) and Terraform for every member account, with per-account external IDs */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    groupId: string;
                    orgId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            accounts: number;
                            memberTemplate: string;
                            permissionPolicy: {
                                [key: string]: unknown;
                            };
                            principalArn: string;
                            roleName: string;
                            stackSet: string;
                            steps: string[];
                            terraform: string;
                            trustPolicy: {
                                [key: string]: unknown;
                            };
                        };
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/orgs/{orgId}/connection-groups/{groupId}/verify": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Verify every active member account again, in the background */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    groupId: string;
                    orgId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            created: number;
                            disabled: number;
                            discovered: number;
                            error: string | null;
                            failed: number;
                            finishedAt: string | null;
                            retried: number;
                            startedAt: string | null;
                            /** @enum {string} */
                            state: "idle" | "discovering" | "verifying" | "done" | "failed";
                            toVerify: number;
                            unsafe: number;
                            verified: number;
                        };
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/orgs/{orgId}/connections": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List connections (never with external IDs) */
        get: {
            parameters: {
                query?: {
                    cursor?: string;
                    limit?: number;
                };
                header?: never;
                path: {
                    orgId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                accountId: string | null;
                                capabilities: ("s3-read" | "s3-write" | "logs-read" | "dynamodb-read" | "lambda-read" | "lambda-invoke" | "cost-scan" | "cleanup" | "cloudtrail-read" | "organizations-read" | "audit-export")[];
                                createdAt: string;
                                createdBy: string | null;
                                expiresAt: string | null;
                                id: string;
                                lastVerifiedAt: string | null;
                                name: string;
                                previousExternalIdExpiresAt: string | null;
                                roleArn: string | null;
                                roleName: string;
                                rotationPending: boolean;
                                scopes: {
                                    cleanupTagConditions: {
                                        [key: string]: string;
                                    };
                                    dynamodbTables: string[];
                                    lambdaFunctionPatterns: string[];
                                    logGroupPrefixes: string[];
                                    regions: string[];
                                    s3Buckets: string[];
                                    s3Prefixes: string[];
                                };
                                sourceIdentity: boolean;
                                /** @enum {string} */
                                status: "pending" | "verified" | "unsafe" | "failed" | "disabled" | "expired";
                                verification: {
                                    checkedAt: string;
                                    checks: {
                                        advice?: string;
                                        code?: string;
                                        name: string;
                                        /** @enum {string} */
                                        status: "passed" | "failed" | "skipped" | "warning";
                                    }[];
                                    /** @enum {string} */
                                    status: "verified" | "unsafe" | "failed";
                                } | null;
                            }[];
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        /** Create a connection; the response carries the external ID this once */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    orgId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        accountId?: string;
                        capabilities: ("s3-read" | "s3-write" | "logs-read" | "dynamodb-read" | "lambda-read" | "lambda-invoke" | "cost-scan" | "cleanup" | "cloudtrail-read" | "organizations-read" | "audit-export")[];
                        name: string;
                        roleArn?: string;
                        roleName?: string;
                        scopes?: {
                            /** @default {} */
                            cleanupTagConditions?: {
                                [key: string]: string;
                            };
                            /** @default [] */
                            dynamodbTables?: string[];
                            /** @default [] */
                            lambdaFunctionPatterns?: string[];
                            /** @default [] */
                            logGroupPrefixes?: string[];
                            /** @default [] */
                            regions?: string[];
                            /** @default [] */
                            s3Buckets?: string[];
                            /** @default [] */
                            s3Prefixes?: string[];
                        };
                        /** @default true */
                        sourceIdentity?: boolean;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            accountId: string | null;
                            capabilities: ("s3-read" | "s3-write" | "logs-read" | "dynamodb-read" | "lambda-read" | "lambda-invoke" | "cost-scan" | "cleanup" | "cloudtrail-read" | "organizations-read" | "audit-export")[];
                            createdAt: string;
                            createdBy: string | null;
                            expiresAt: string | null;
                            externalId: string;
                            id: string;
                            lastVerifiedAt: string | null;
                            name: string;
                            previousExternalIdExpiresAt: string | null;
                            roleArn: string | null;
                            roleName: string;
                            rotationPending: boolean;
                            scopes: {
                                cleanupTagConditions: {
                                    [key: string]: string;
                                };
                                dynamodbTables: string[];
                                lambdaFunctionPatterns: string[];
                                logGroupPrefixes: string[];
                                regions: string[];
                                s3Buckets: string[];
                                s3Prefixes: string[];
                            };
                            sourceIdentity: boolean;
                            /** @enum {string} */
                            status: "pending" | "verified" | "unsafe" | "failed" | "disabled" | "expired";
                            verification: {
                                checkedAt: string;
                                checks: {
                                    advice?: string;
                                    code?: string;
                                    name: string;
                                    /** @enum {string} */
                                    status: "passed" | "failed" | "skipped" | "warning";
                                }[];
                                /** @enum {string} */
                                status: "verified" | "unsafe" | "failed";
                            } | null;
                        };
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/orgs/{orgId}/connections/{connId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One connection */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    connId: string;
                    orgId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            accountId: string | null;
                            capabilities: ("s3-read" | "s3-write" | "logs-read" | "dynamodb-read" | "lambda-read" | "lambda-invoke" | "cost-scan" | "cleanup" | "cloudtrail-read" | "organizations-read" | "audit-export")[];
                            createdAt: string;
                            createdBy: string | null;
                            expiresAt: string | null;
                            id: string;
                            lastVerifiedAt: string | null;
                            name: string;
                            previousExternalIdExpiresAt: string | null;
                            roleArn: string | null;
                            roleName: string;
                            rotationPending: boolean;
                            scopes: {
                                cleanupTagConditions: {
                                    [key: string]: string;
                                };
                                dynamodbTables: string[];
                                lambdaFunctionPatterns: string[];
                                logGroupPrefixes: string[];
                                regions: string[];
                                s3Buckets: string[];
                                s3Prefixes: string[];
                            };
                            sourceIdentity: boolean;
                            /** @enum {string} */
                            status: "pending" | "verified" | "unsafe" | "failed" | "disabled" | "expired";
                            verification: {
                                checkedAt: string;
                                checks: {
                                    advice?: string;
                                    code?: string;
                                    name: string;
                                    /** @enum {string} */
                                    status: "passed" | "failed" | "skipped" | "warning";
                                }[];
                                /** @enum {string} */
                                status: "verified" | "unsafe" | "failed";
                            } | null;
                        };
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        /** Delete a connection */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    connId: string;
                    orgId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        /** Rename, set the role ARN, capabilities or scopes (role or capability changes need a new verification) */
        patch: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    connId: string;
                    orgId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        capabilities?: ("s3-read" | "s3-write" | "logs-read" | "dynamodb-read" | "lambda-read" | "lambda-invoke" | "cost-scan" | "cleanup" | "cloudtrail-read" | "organizations-read" | "audit-export")[];
                        name?: string;
                        roleArn?: string;
                        roleName?: string;
                        scopes?: {
                            /** @default {} */
                            cleanupTagConditions?: {
                                [key: string]: string;
                            };
                            /** @default [] */
                            dynamodbTables?: string[];
                            /** @default [] */
                            lambdaFunctionPatterns?: string[];
                            /** @default [] */
                            logGroupPrefixes?: string[];
                            /** @default [] */
                            regions?: string[];
                            /** @default [] */
                            s3Buckets?: string[];
                            /** @default [] */
                            s3Prefixes?: string[];
                        };
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            accountId: string | null;
                            capabilities: ("s3-read" | "s3-write" | "logs-read" | "dynamodb-read" | "lambda-read" | "lambda-invoke" | "cost-scan" | "cleanup" | "cloudtrail-read" | "organizations-read" | "audit-export")[];
                            createdAt: string;
                            createdBy: string | null;
                            expiresAt: string | null;
                            id: string;
                            lastVerifiedAt: string | null;
                            name: string;
                            previousExternalIdExpiresAt: string | null;
                            roleArn: string | null;
                            roleName: string;
                            rotationPending: boolean;
                            scopes: {
                                cleanupTagConditions: {
                                    [key: string]: string;
                                };
                                dynamodbTables: string[];
                                lambdaFunctionPatterns: string[];
                                logGroupPrefixes: string[];
                                regions: string[];
                                s3Buckets: string[];
                                s3Prefixes: string[];
                            };
                            sourceIdentity: boolean;
                            /** @enum {string} */
                            status: "pending" | "verified" | "unsafe" | "failed" | "disabled" | "expired";
                            verification: {
                                checkedAt: string;
                                checks: {
                                    advice?: string;
                                    code?: string;
                                    name: string;
                                    /** @enum {string} */
                                    status: "passed" | "failed" | "skipped" | "warning";
                                }[];
                                /** @enum {string} */
                                status: "verified" | "unsafe" | "failed";
                            } | null;
                        };
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        trace?: never;
    };
    "/v1/orgs/{orgId}/connections/{connId}/dynamodb/tables": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List DynamoDB tables */
        get: {
            parameters: {
                query?: {
                    cursor?: string;
                    limit?: number;
                    region?: string;
                };
                header?: never;
                path: {
                    connId: string;
                    orgId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: string[];
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/orgs/{orgId}/connections/{connId}/dynamodb/tables/{table}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Describe a DynamoDB table */
        get: {
            parameters: {
                query?: {
                    region?: string;
                };
                header?: never;
                path: {
                    connId: string;
                    orgId: string;
                    table: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            attributes: {
                                name: string;
                                type: string;
                            }[];
                            billingMode: string | null;
                            indexes: {
                                keySchema: {
                                    name: string;
                                    type: string;
                                }[];
                                /** @enum {string} */
                                kind: "global" | "local";
                                name: string;
                            }[];
                            itemCount: number | null;
                            keySchema: {
                                name: string;
                                type: string;
                            }[];
                            name: string;
                            sizeBytes: number | null;
                            status: string | null;
                        };
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/orgs/{orgId}/connections/{connId}/dynamodb/tables/{table}/item": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Get one item by primary key */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    connId: string;
                    orgId: string;
                    table: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @default false */
                        consistentRead?: boolean;
                        partitionKey: {
                            name: string;
                            /** @enum {string} */
                            type?: "S" | "N" | "B";
                            value: string | number;
                        };
                        region?: string;
                        sortKey?: {
                            name: string;
                            /** @enum {string} */
                            type?: "S" | "N" | "B";
                            value: string | number;
                        };
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            item: {
                                [key: string]: unknown;
                            } | null;
                        };
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/orgs/{orgId}/connections/{connId}/dynamodb/tables/{table}/query": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Query by partition key (and sort key condition) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    connId: string;
                    orgId: string;
                    table: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        cursor?: string;
                        index?: string;
                        /** @default 100 */
                        limit?: number;
                        partitionKey: {
                            name: string;
                            /** @enum {string} */
                            type?: "S" | "N" | "B";
                            value: string | number;
                        };
                        region?: string;
                        /** @default true */
                        scanForward?: boolean;
                        sortKey?: {
                            name: string;
                            /** @enum {string} */
                            op: "=" | "<" | "<=" | ">" | ">=" | "begins_with" | "between";
                            /** @enum {string} */
                            type?: "S" | "N" | "B";
                            value?: string | number;
                            values?: (string | number)[];
                        };
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                [key: string]: unknown;
                            }[];
                            nextCursor: string | null;
                            truncated: boolean;
                        };
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/orgs/{orgId}/connections/{connId}/lambda/functions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List Lambda functions */
        get: {
            parameters: {
                query?: {
                    cursor?: string;
                    limit?: number;
                    region?: string;
                };
                header?: never;
                path: {
                    connId: string;
                    orgId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                description: string | null;
                                handler: string | null;
                                lastModified: string | null;
                                memoryMb: number | null;
                                name: string;
                                runtime: string | null;
                                timeoutSeconds: number | null;
                            }[];
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/orgs/{orgId}/connections/{connId}/lambda/functions/{function}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Get a Lambda function’s configuration */
        get: {
            parameters: {
                query?: {
                    region?: string;
                };
                header?: never;
                path: {
                    connId: string;
                    function: string;
                    orgId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            architectures: string[];
                            arn: string | null;
                            codeSizeBytes: number | null;
                            description: string | null;
                            handler: string | null;
                            lastModified: string | null;
                            memoryMb: number | null;
                            name: string;
                            runtime: string | null;
                            state: string | null;
                            timeoutSeconds: number | null;
                        };
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/orgs/{orgId}/connections/{connId}/lambda/functions/{function}/invoke": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Invoke a Lambda function synchronously */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    connId: string;
                    function: string;
                    orgId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @default {} */
                        payload?: unknown;
                        region?: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            executedVersion: string | null;
                            functionError: string | null;
                            logTail: string | null;
                            payload: unknown;
                            payloadTruncated: boolean;
                            statusCode: number | null;
                        };
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/orgs/{orgId}/connections/{connId}/logs/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Filter log events */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    connId: string;
                    orgId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        cursor?: string;
                        end: string | number;
                        /** @default 100 */
                        limit?: number;
                        logGroup: string;
                        pattern?: string;
                        region?: string;
                        start: string | number;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                message: string;
                                stream: string | null;
                                timestamp: string;
                                truncated: boolean;
                            }[];
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/orgs/{orgId}/connections/{connId}/logs/groups": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List log groups */
        get: {
            parameters: {
                query?: {
                    cursor?: string;
                    limit?: number;
                    prefix?: string;
                    region?: string;
                };
                header?: never;
                path: {
                    connId: string;
                    orgId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                createdAt: string | null;
                                name: string;
                                retentionDays: number | null;
                                storedBytes: number | null;
                            }[];
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/orgs/{orgId}/connections/{connId}/logs/insights": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Run a Logs Insights query (waits up to waitSeconds) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    connId: string;
                    orgId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        end: string | number;
                        /** @default 100 */
                        limit?: number;
                        logGroups: string[];
                        query: string;
                        region?: string;
                        start: string | number;
                        /** @default 10 */
                        waitSeconds?: number;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            queryId: string;
                            results: {
                                [key: string]: string;
                            }[];
                            statistics: {
                                bytesScanned: number;
                                recordsMatched: number;
                                recordsScanned: number;
                            } | null;
                            status: string;
                            truncated: boolean;
                        };
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/orgs/{orgId}/connections/{connId}/logs/insights/{queryId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Logs Insights query status and results */
        get: {
            parameters: {
                query?: {
                    region?: string;
                };
                header?: never;
                path: {
                    connId: string;
                    orgId: string;
                    queryId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            queryId: string;
                            results: {
                                [key: string]: string;
                            }[];
                            statistics: {
                                bytesScanned: number;
                                recordsMatched: number;
                                recordsScanned: number;
                            } | null;
                            status: string;
                            truncated: boolean;
                        };
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        /** Cancel a Logs Insights query */
        delete: {
            parameters: {
                query?: {
                    region?: string;
                };
                header?: never;
                path: {
                    connId: string;
                    orgId: string;
                    queryId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            cancelled: boolean;
                            queryId: string;
                        };
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/orgs/{orgId}/connections/{connId}/reconciliations": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Reconciled windows of the connection, newest first, with their counts */
        get: {
            parameters: {
                query?: {
                    cursor?: string;
                    limit?: number;
                };
                header?: never;
                path: {
                    connId: string;
                    orgId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                connectionId: string;
                                counts: {
                                    foreignAssumeRoles: number;
                                    matched: number;
                                    unlogged: number;
                                    unmatched: number;
                                };
                                createdAt: string;
                                error?: {
                                    code: string;
                                    message: string;
                                };
                                finishedAt: string | null;
                                id: string;
                                progress: {
                                    eventsSeen: number;
                                    pages: number;
                                };
                                regions: string[];
                                startedAt: string | null;
                                /** @enum {string} */
                                status: "queued" | "running" | "succeeded" | "failed" | "cancelled";
                                /** @enum {string} */
                                trigger: "manual" | "schedule";
                                truncated: boolean;
                                warnings: {
                                    code: string;
                                    message: string;
                                    region: string;
                                }[];
                                window: {
                                    end: string;
                                    start: string;
                                };
                            }[];
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        /** Reconcile a window of the audit trail with the customer's CloudTrail (runs in the background) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    connId: string;
                    orgId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /**
                         * Format: date-time
                         * @description Window start; default: the end of the last reconciled window.
                         */
                        from?: string;
                        /**
                         * Format: date-time
                         * @description Window end, at least 20 minutes ago; at most 24 h after `from`.
                         */
                        to?: string;
                    } | null;
                };
            };
            responses: {
                /** @description Default Response */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            connectionId: string;
                            counts: {
                                foreignAssumeRoles: number;
                                matched: number;
                                unlogged: number;
                                unmatched: number;
                            };
                            createdAt: string;
                            error?: {
                                code: string;
                                message: string;
                            };
                            finishedAt: string | null;
                            id: string;
                            progress: {
                                eventsSeen: number;
                                pages: number;
                            };
                            regions: string[];
                            startedAt: string | null;
                            /** @enum {string} */
                            status: "queued" | "running" | "succeeded" | "failed" | "cancelled";
                            /** @enum {string} */
                            trigger: "manual" | "schedule";
                            truncated: boolean;
                            warnings: {
                                code: string;
                                message: string;
                                region: string;
                            }[];
                            window: {
                                end: string;
                                start: string;
                            };
                        };
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/orgs/{orgId}/connections/{connId}/reconciliations/{reconciliationId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One reconciliation: status, counts and the items that need a look */
        get: {
            parameters: {
                query?: {
                    cursor?: string;
                    limit?: number;
                };
                header?: never;
                path: {
                    connId: string;
                    orgId: string;
                    reconciliationId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                auditId: string | null;
                                details: {
                                    [key: string]: (string | number | boolean) | null;
                                };
                                eventId: string | null;
                                eventName: string | null;
                                eventSource: string | null;
                                eventTime: string | null;
                                id: string;
                                /** @enum {string} */
                                kind: "unmatched_event" | "unlogged_record" | "foreign_assume_role";
                                note: string;
                                operation: string | null;
                                principal: string | null;
                                region: string | null;
                                sessionName: string | null;
                                /** @enum {string} */
                                severity: "high" | "medium" | "info";
                                sourceIp: string | null;
                            }[];
                            nextCursor: string | null;
                            reconciliation: {
                                connectionId: string;
                                counts: {
                                    foreignAssumeRoles: number;
                                    matched: number;
                                    unlogged: number;
                                    unmatched: number;
                                };
                                createdAt: string;
                                error?: {
                                    code: string;
                                    message: string;
                                };
                                finishedAt: string | null;
                                id: string;
                                progress: {
                                    eventsSeen: number;
                                    pages: number;
                                };
                                regions: string[];
                                startedAt: string | null;
                                /** @enum {string} */
                                status: "queued" | "running" | "succeeded" | "failed" | "cancelled";
                                /** @enum {string} */
                                trigger: "manual" | "schedule";
                                truncated: boolean;
                                warnings: {
                                    code: string;
                                    message: string;
                                    region: string;
                                }[];
                                window: {
                                    end: string;
                                    start: string;
                                };
                            };
                        };
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/orgs/{orgId}/connections/{connId}/rotate-external-id": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Issue a new external ID; the previous one stays in use until the role is re-verified */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    connId: string;
                    orgId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            accountId: string | null;
                            capabilities: ("s3-read" | "s3-write" | "logs-read" | "dynamodb-read" | "lambda-read" | "lambda-invoke" | "cost-scan" | "cleanup" | "cloudtrail-read" | "organizations-read" | "audit-export")[];
                            createdAt: string;
                            createdBy: string | null;
                            expiresAt: string | null;
                            id: string;
                            lastVerifiedAt: string | null;
                            name: string;
                            previousExternalIdExpiresAt: string | null;
                            roleArn: string | null;
                            roleName: string;
                            rotationPending: boolean;
                            scopes: {
                                cleanupTagConditions: {
                                    [key: string]: string;
                                };
                                dynamodbTables: string[];
                                lambdaFunctionPatterns: string[];
                                logGroupPrefixes: string[];
                                regions: string[];
                                s3Buckets: string[];
                                s3Prefixes: string[];
                            };
                            sourceIdentity: boolean;
                            /** @enum {string} */
                            status: "pending" | "verified" | "unsafe" | "failed" | "disabled" | "expired";
                            verification: {
                                checkedAt: string;
                                checks: {
                                    advice?: string;
                                    code?: string;
                                    name: string;
                                    /** @enum {string} */
                                    status: "passed" | "failed" | "skipped" | "warning";
                                }[];
                                /** @enum {string} */
                                status: "verified" | "unsafe" | "failed";
                            } | null;
                        };
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/orgs/{orgId}/connections/{connId}/s3/buckets": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List S3 buckets */
        get: {
            parameters: {
                query?: {
                    cursor?: string;
                    limit?: number;
                    region?: string;
                };
                header?: never;
                path: {
                    connId: string;
                    orgId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                createdAt: string | null;
                                name: string;
                                region: string | null;
                            }[];
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/orgs/{orgId}/connections/{connId}/s3/buckets/{bucket}/object": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Download an object (streamed; Range supported) */
        get: {
            parameters: {
                query: {
                    key: string;
                    region?: string;
                };
                header?: {
                    range?: string;
                };
                path: {
                    bucket: string;
                    connId: string;
                    orgId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        /** Upload an object (raw body, streamed) */
        put: {
            parameters: {
                query: {
                    key: string;
                    region?: string;
                };
                header?: never;
                path: {
                    bucket: string;
                    connId: string;
                    orgId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            bucket: string;
                            etag: string | null;
                            key: string;
                            size: number;
                            versionId: string | null;
                        };
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/orgs/{orgId}/connections/{connId}/s3/buckets/{bucket}/objects": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List objects (one page) */
        get: {
            parameters: {
                query?: {
                    cursor?: string;
                    delimiter?: string;
                    limit?: number;
                    prefix?: string;
                    region?: string;
                };
                header?: never;
                path: {
                    bucket: string;
                    connId: string;
                    orgId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                key: string;
                                lastModified: string | null;
                                size: number;
                            }[];
                            nextCursor: string | null;
                            prefixes: string[];
                        };
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/orgs/{orgId}/connections/{connId}/s3/buckets/{bucket}/objects.ndjson": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Stream every object under a prefix as NDJSON */
        get: {
            parameters: {
                query?: {
                    delimiter?: string;
                    prefix?: string;
                    region?: string;
                };
                header?: never;
                path: {
                    bucket: string;
                    connId: string;
                    orgId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/orgs/{orgId}/connections/{connId}/s3/presign": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Presigned GET/PUT URL for one object (≤ 15 min) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    connId: string;
                    orgId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        bucket: string;
                        expiresIn?: number;
                        key: string;
                        /** @enum {string} */
                        method: "GET" | "PUT";
                        region?: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            expiresAt: string;
                            expiresIn: number;
                            /** @enum {string} */
                            method: "GET" | "PUT";
                            url: string;
                        };
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/orgs/{orgId}/connections/{connId}/scans": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A connection’s scans, newest first, with the findings each was the latest to see */
        get: {
            parameters: {
                query?: {
                    cursor?: string;
                    limit?: number;
                };
                header?: never;
                path: {
                    connId: string;
                    orgId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                attempt: number;
                                connectionId: string;
                                createdAt: string;
                                error?: {
                                    code: string;
                                    message: string;
                                };
                                findings: {
                                    cleaned: number;
                                    dismissed: number;
                                    open: number;
                                };
                                finishedAt: string | null;
                                id: string;
                                progress: {
                                    findings: number;
                                    regionsDone: number;
                                    regionsTotal: number;
                                };
                                regions: string[];
                                startedAt: string | null;
                                /** @enum {string} */
                                status: "queued" | "running" | "succeeded" | "failed" | "cancelled";
                                warnings: {
                                    code: string;
                                    detector: string;
                                    message: string;
                                    region: string;
                                }[];
                            }[];
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        /** Start a cost-waste scan of the connection’s regions (runs in the background) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    connId: string;
                    orgId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": Record<string, never> | null;
                };
            };
            responses: {
                /** @description Default Response */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            attempt: number;
                            connectionId: string;
                            createdAt: string;
                            error?: {
                                code: string;
                                message: string;
                            };
                            finishedAt: string | null;
                            id: string;
                            progress: {
                                findings: number;
                                regionsDone: number;
                                regionsTotal: number;
                            };
                            regions: string[];
                            startedAt: string | null;
                            /** @enum {string} */
                            status: "queued" | "running" | "succeeded" | "failed" | "cancelled";
                            warnings: {
                                code: string;
                                detector: string;
                                message: string;
                                region: string;
                            }[];
                        };
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/orgs/{orgId}/connections/{connId}/scans/{scanId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A scan job’s status and progress */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    connId: string;
                    orgId: string;
                    scanId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            attempt: number;
                            connectionId: string;
                            createdAt: string;
                            error?: {
                                code: string;
                                message: string;
                            };
                            finishedAt: string | null;
                            id: string;
                            progress: {
                                findings: number;
                                regionsDone: number;
                                regionsTotal: number;
                            };
                            regions: string[];
                            startedAt: string | null;
                            /** @enum {string} */
                            status: "queued" | "running" | "succeeded" | "failed" | "cancelled";
                            warnings: {
                                code: string;
                                detector: string;
                                message: string;
                                region: string;
                            }[];
                        };
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/orgs/{orgId}/connections/{connId}/templates": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Onboarding templates: trust and permission policies, CloudFormation, Terraform, AWS CLI */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    connId: string;
                    orgId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            awsCli: string;
                            cloudFormation: string;
                            cloudFormationSteps: string[];
                            cloudFormationUrl: string;
                            externalId: string;
                            permissionPolicy: {
                                [key: string]: unknown;
                            };
                            principalArn: string;
                            quickCreateUrl: string | null;
                            roleName: string;
                            sourceIpPin: string[];
                            terraform: string;
                            trustPolicy: {
                                [key: string]: unknown;
                            };
                        };
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/orgs/{orgId}/connections/{connId}/templates/cloudformation.yaml": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The CloudFormation template as a file, to upload in the CloudFormation console */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    connId: string;
                    orgId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": string;
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/orgs/{orgId}/connections/{connId}/verify": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Verify the role: external ID enforced, capabilities work, no visible over-privilege */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    connId: string;
                    orgId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            checks: {
                                advice?: string;
                                code?: string;
                                name: string;
                                /** @enum {string} */
                                status: "passed" | "failed" | "skipped" | "warning";
                            }[];
                            /** @enum {string} */
                            status: "verified" | "unsafe" | "failed";
                        };
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/orgs/{orgId}/elevations": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Ask for a role for a bounded time (just-in-time elevation); decided like any approval */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    orgId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @default 3600 */
                        durationSeconds?: number;
                        reason: string;
                        /** @enum {string} */
                        role: "admin";
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            approvals: number;
                            approvalsRequired: number;
                            connectionId: string | null;
                            createdAt: string;
                            decidedAt: string | null;
                            decisions: {
                                approverUserId: string;
                                comment: string | null;
                                createdAt: string;
                                /** @enum {string} */
                                decision: "approve" | "deny";
                            }[];
                            elevatedRole: string | null;
                            expiresAt: string;
                            /** @enum {string} */
                            grantMode: "single_use" | "time_boxed";
                            grantTtlSeconds: number;
                            id: string;
                            /** @enum {string} */
                            kind: "operation" | "elevation";
                            operation: string | null;
                            reason: string | null;
                            requester: {
                                id: string;
                                /** @enum {string} */
                                type: "user" | "apiKey" | "oauth";
                                userId: string | null;
                            };
                            resource: string | null;
                            /** @enum {string} */
                            status: "pending" | "approved" | "denied" | "revoked" | "expired" | "used";
                            usedAt: string | null;
                        };
                    };
                };
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            approvals: number;
                            approvalsRequired: number;
                            connectionId: string | null;
                            createdAt: string;
                            decidedAt: string | null;
                            decisions: {
                                approverUserId: string;
                                comment: string | null;
                                createdAt: string;
                                /** @enum {string} */
                                decision: "approve" | "deny";
                            }[];
                            elevatedRole: string | null;
                            expiresAt: string;
                            /** @enum {string} */
                            grantMode: "single_use" | "time_boxed";
                            grantTtlSeconds: number;
                            id: string;
                            /** @enum {string} */
                            kind: "operation" | "elevation";
                            operation: string | null;
                            reason: string | null;
                            requester: {
                                id: string;
                                /** @enum {string} */
                                type: "user" | "apiKey" | "oauth";
                                userId: string | null;
                            };
                            resource: string | null;
                            /** @enum {string} */
                            status: "pending" | "approved" | "denied" | "revoked" | "expired" | "used";
                            usedAt: string | null;
                        };
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/orgs/{orgId}/findings": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Findings with totals by type and region (estimated USD per month) */
        get: {
            parameters: {
                query?: {
                    connectionId?: string;
                    cursor?: string;
                    groupId?: string;
                    limit?: number;
                    region?: string;
                    status?: "open" | "dismissed" | "cleaned";
                    type?: "ebs_volume_unattached" | "ebs_snapshot_orphaned" | "eip_unassociated" | "load_balancer_idle" | "rds_instance_stopped" | "ami_unused" | "nat_gateway_idle";
                };
                header?: never;
                path: {
                    orgId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                ageDays: number | null;
                                connectionId: string;
                                /** @enum {string} */
                                currency: "USD";
                                details: {
                                    [key: string]: (string | number | boolean | string[]) | null;
                                };
                                estimate: {
                                    basis: string | null;
                                    monthlyUsd: number;
                                };
                                firstSeenAt: string;
                                id: string;
                                lastSeenAt: string;
                                monthlyCost: number;
                                recommendedAction: string;
                                region: string;
                                resourceArn: string;
                                resourceId: string;
                                scanId: string;
                                /** @enum {string} */
                                status: "open" | "dismissed" | "cleaned";
                                tags: {
                                    [key: string]: string;
                                };
                                type: string;
                            }[];
                            nextCursor: string | null;
                            totals: {
                                byRegion: {
                                    [key: string]: {
                                        count: number;
                                        monthlyCost: number;
                                    };
                                };
                                byType: {
                                    [key: string]: {
                                        count: number;
                                        monthlyCost: number;
                                    };
                                };
                                count: number;
                                /** @enum {string} */
                                currency: "USD";
                                monthlyCost: number;
                                priceTableDate: string;
                            };
                        };
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/orgs/{orgId}/findings/{findingId}/cleanup": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Guarded clean-up: dry run first (returns a confirmToken), then the real action with confirm */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    findingId: string;
                    orgId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        confirm?: string;
                        deleteSnapshots?: boolean;
                        dryRun: boolean;
                        snapshotBeforeDelete?: boolean;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            allowed: boolean;
                            checks: {
                                message: string;
                                name: string;
                                resource?: string;
                                /** @enum {string} */
                                status: "pass" | "fail" | "skipped";
                            }[];
                            confirmToken: string | null;
                            /** @enum {boolean} */
                            dryRun: true;
                            expiresAt: string | null;
                            wouldDo: string;
                        } | {
                            action: string;
                            deletedSnapshots?: string[];
                            /** @enum {boolean} */
                            done: true;
                            /** @enum {boolean} */
                            dryRun: false;
                            findingId: string;
                            snapshotId?: string;
                            /** @enum {string} */
                            status: "cleaned";
                        } | {
                            action: string;
                            deletedSnapshots: string[];
                            /** @enum {boolean} */
                            done: false;
                            /** @enum {boolean} */
                            dryRun: false;
                            failedSnapshots: {
                                code: string;
                                message: string;
                                snapshotId: string;
                            }[];
                            findingId: string;
                            /** @enum {string} */
                            status: "partial";
                        };
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/orgs/{orgId}/findings/{findingId}/dismiss": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Dismiss a finding (it stays dismissed across rescans) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    findingId: string;
                    orgId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": Record<string, never> | null;
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            ageDays: number | null;
                            connectionId: string;
                            /** @enum {string} */
                            currency: "USD";
                            details: {
                                [key: string]: (string | number | boolean | string[]) | null;
                            };
                            estimate: {
                                basis: string | null;
                                monthlyUsd: number;
                            };
                            firstSeenAt: string;
                            id: string;
                            lastSeenAt: string;
                            monthlyCost: number;
                            recommendedAction: string;
                            region: string;
                            resourceArn: string;
                            resourceId: string;
                            scanId: string;
                            /** @enum {string} */
                            status: "open" | "dismissed" | "cleaned";
                            tags: {
                                [key: string]: string;
                            };
                            type: string;
                        };
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/orgs/{orgId}/insights/access-log": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Recent audit events (access log) */
        get: {
            parameters: {
                query?: {
                    action?: string;
                    actorId?: string;
                    connectionId?: string;
                    cursor?: string;
                    limit?: number;
                    since?: string;
                    until?: string;
                };
                header?: never;
                path: {
                    orgId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                action: string;
                                actorId: string | null;
                                actorType: string;
                                at: string;
                                connectionId: string | null;
                                errorCode: string | null;
                                id: string;
                                ip: string | null;
                                operation: string | null;
                                outcome: string;
                                requestId: string | null;
                                resource: string | null;
                                targetId: string | null;
                                targetType: string | null;
                            }[];
                            nextCursor: string | null;
                            window: {
                                since: string;
                                until: string;
                            };
                        };
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/orgs/{orgId}/insights/anomalies": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** New-IP logins and unusual brokered-call volume per connection */
        get: {
            parameters: {
                query?: {
                    baselineDays?: number;
                    factor?: number;
                    limit?: number;
                    minCalls?: number;
                    since?: string;
                    until?: string;
                };
                header?: never;
                path: {
                    orgId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            brokeredVolume: {
                                baselineCalls: number;
                                connectionId: string;
                                expectedCalls: number;
                                windowCalls: number;
                            }[];
                            newIpLogins: {
                                at: string;
                                eventId: string;
                                ip: string;
                                newNetwork: boolean;
                                userId: string;
                            }[];
                            window: {
                                since: string;
                                until: string;
                            };
                        };
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/orgs/{orgId}/insights/error-log": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Failed and denied events (error log) */
        get: {
            parameters: {
                query?: {
                    action?: string;
                    actorId?: string;
                    connectionId?: string;
                    cursor?: string;
                    limit?: number;
                    since?: string;
                    until?: string;
                };
                header?: never;
                path: {
                    orgId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                action: string;
                                actorId: string | null;
                                actorType: string;
                                at: string;
                                connectionId: string | null;
                                errorCode: string | null;
                                id: string;
                                ip: string | null;
                                operation: string | null;
                                outcome: string;
                                requestId: string | null;
                                resource: string | null;
                                targetId: string | null;
                                targetType: string | null;
                            }[];
                            nextCursor: string | null;
                            window: {
                                since: string;
                                until: string;
                            };
                        };
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/orgs/{orgId}/insights/threats": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Brute-force sources, AccessDenied bursts, connections turned unsafe */
        get: {
            parameters: {
                query?: {
                    burstMinutes?: number;
                    limit?: number;
                    minDenied?: number;
                    minFailedLogins?: number;
                    since?: string;
                    until?: string;
                };
                header?: never;
                path: {
                    orgId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            accessDeniedBursts: {
                                actorId: string | null;
                                actorType: string;
                                bucketStart: string;
                                connectionId: string | null;
                                count: number;
                            }[];
                            bruteForceSources: {
                                failures: number;
                                firstAt: string;
                                ip: string;
                                lastAt: string;
                                users: number;
                            }[];
                            sessionsUsedOutsideRolegate: {
                                connectionId: string;
                                detectedAt: string;
                                events: number;
                                firstEventAt: string | null;
                                lastEventAt: string | null;
                                recommendedAction: string | null;
                                reconciliationId: string;
                                sessionNames: string[];
                                /** @enum {string} */
                                severity: "high";
                                windowEnd: string;
                                windowStart: string;
                            }[];
                            unsafeConnections: {
                                action: string;
                                actorId: string | null;
                                actorType: string;
                                at: string;
                                connectionId: string | null;
                            }[];
                            window: {
                                since: string;
                                until: string;
                            };
                        };
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/orgs/{orgId}/insights/traffic": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Event counts by action, outcome and actor over a window */
        get: {
            parameters: {
                query?: {
                    since?: string;
                    top?: number;
                    until?: string;
                };
                header?: never;
                path: {
                    orgId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            byAction: {
                                action: string;
                                count: number;
                            }[];
                            byActor: {
                                actorId: string | null;
                                actorType: string;
                                count: number;
                            }[];
                            byOutcome: {
                                count: number;
                                outcome: string;
                            }[];
                            total: number;
                            window: {
                                since: string;
                                until: string;
                            };
                        };
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/orgs/{orgId}/invitations": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Pending invitations (never with tokens) */
        get: {
            parameters: {
                query?: {
                    cursor?: string;
                    limit?: number;
                };
                header?: never;
                path: {
                    orgId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                createdAt: string;
                                email: string;
                                expiresAt: string;
                                id: string;
                                /** @enum {string} */
                                role: "viewer" | "member" | "admin" | "owner";
                            }[];
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        /** Invite someone by email; the token is shown once and expires in 7 days */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    orgId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** Format: email */
                        email: string;
                        /** @enum {string} */
                        role: "viewer" | "member" | "admin" | "owner";
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            email: string;
                            emailed: boolean;
                            expiresAt: string;
                            id: string;
                            /** @enum {string} */
                            role: "viewer" | "member" | "admin" | "owner";
                            token: string;
                        };
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/orgs/{orgId}/invitations/{invitationId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Revoke a pending invitation */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    invitationId: string;
                    orgId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description No content */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": null;
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/orgs/{orgId}/members": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Members of the organisation */
        get: {
            parameters: {
                query?: {
                    cursor?: string;
                    limit?: number;
                };
                header?: never;
                path: {
                    orgId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                email: string;
                                joinedAt: string;
                                name: string | null;
                                /** @enum {string} */
                                role: "viewer" | "member" | "admin" | "owner";
                                userId: string;
                            }[];
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/orgs/{orgId}/members/{userId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Remove a member, or leave the organisation (your own user id) */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    orgId: string;
                    userId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description No content */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": null;
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        /** Change a member's role (admin; owner roles only by owners) */
        patch: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    orgId: string;
                    userId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @enum {string} */
                        role: "viewer" | "member" | "admin" | "owner";
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @enum {string} */
                            role: "viewer" | "member" | "admin" | "owner";
                            userId: string;
                        };
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        trace?: never;
    };
    "/v1/orgs/{orgId}/scans/{scanId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A scan job’s status and progress */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    orgId: string;
                    scanId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            attempt: number;
                            connectionId: string;
                            createdAt: string;
                            error?: {
                                code: string;
                                message: string;
                            };
                            finishedAt: string | null;
                            id: string;
                            progress: {
                                findings: number;
                                regionsDone: number;
                                regionsTotal: number;
                            };
                            regions: string[];
                            startedAt: string | null;
                            /** @enum {string} */
                            status: "queued" | "running" | "succeeded" | "failed" | "cancelled";
                            warnings: {
                                code: string;
                                detector: string;
                                message: string;
                                region: string;
                            }[];
                        };
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/orgs/{orgId}/scans/{scanId}/cancel": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Cancel a queued or running scan */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    orgId: string;
                    scanId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": Record<string, never> | null;
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            attempt: number;
                            connectionId: string;
                            createdAt: string;
                            error?: {
                                code: string;
                                message: string;
                            };
                            finishedAt: string | null;
                            id: string;
                            progress: {
                                findings: number;
                                regionsDone: number;
                                regionsTotal: number;
                            };
                            regions: string[];
                            startedAt: string | null;
                            /** @enum {string} */
                            status: "queued" | "running" | "succeeded" | "failed" | "cancelled";
                            warnings: {
                                code: string;
                                detector: string;
                                message: string;
                                region: string;
                            }[];
                        };
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/orgs/{orgId}/scans/{scanId}/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Server-sent events: `progress` on every change, `end` when the job ends */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    orgId: string;
                    scanId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/orgs/{orgId}/scim-tokens": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** SCIM bearer tokens of the organisation (never the token itself) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    orgId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                /** Format: date-time */
                                createdAt: string;
                                id: string;
                                /** Format: date-time */
                                lastUsedAt: string | null;
                                name: string;
                                /** Format: date-time */
                                revokedAt: string | null;
                            }[];
                        };
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        /** Create a SCIM bearer token (shown once) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    orgId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        name: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            name: string;
                            token: string;
                        };
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/orgs/{orgId}/scim-tokens/{tokenId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Revoke a SCIM bearer token */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    orgId: string;
                    tokenId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": null;
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/orgs/{orgId}/sso": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The organisation’s single sign-on settings (the client secret is never returned) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    orgId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            allowedDomains: string[];
                            breakGlassUserId: string | null;
                            clientId: string;
                            /** @enum {boolean} */
                            clientSecretSet: true;
                            issuer: string;
                            redirectUri: string | null;
                            requireSso: boolean;
                            roleMapping: {
                                claim: string;
                                /** @enum {string|null} */
                                defaultRole: "viewer" | "member" | "admin" | null;
                                rules: {
                                    /** @enum {string} */
                                    role: "viewer" | "member" | "admin";
                                    value: string;
                                }[];
                            };
                            scopes: string[];
                            trustUnverifiedEmail: boolean;
                            /** Format: date-time */
                            updatedAt: string;
                        };
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        /** Configure the organisation’s OpenID Connect provider (owners) */
        put: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    orgId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        allowedDomains: string[];
                        /** @default null */
                        breakGlassUserId?: string | null;
                        clientId: string;
                        clientSecret?: string;
                        issuer: string;
                        /** @default false */
                        requireSso?: boolean;
                        roleMapping: {
                            claim: string;
                            /** @enum {string|null} */
                            defaultRole: "viewer" | "member" | "admin" | null;
                            rules: {
                                /** @enum {string} */
                                role: "viewer" | "member" | "admin";
                                value: string;
                            }[];
                        };
                        scopes?: string[];
                        /** @default false */
                        trustUnverifiedEmail?: boolean;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            allowedDomains: string[];
                            breakGlassUserId: string | null;
                            clientId: string;
                            /** @enum {boolean} */
                            clientSecretSet: true;
                            issuer: string;
                            redirectUri: string | null;
                            requireSso: boolean;
                            roleMapping: {
                                claim: string;
                                /** @enum {string|null} */
                                defaultRole: "viewer" | "member" | "admin" | null;
                                rules: {
                                    /** @enum {string} */
                                    role: "viewer" | "member" | "admin";
                                    value: string;
                                }[];
                            };
                            scopes: string[];
                            trustUnverifiedEmail: boolean;
                            /** Format: date-time */
                            updatedAt: string;
                        };
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        post?: never;
        /** Remove single sign-on (owners) */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    orgId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": null;
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/orgs/{orgId}/sso/domains": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Email domains the organisation claims, with their DNS verification records */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    orgId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                domain: string;
                                id: string;
                                record: {
                                    name: string;
                                    /** @enum {string} */
                                    type: "TXT";
                                    value: string;
                                };
                                verified: boolean;
                                /** Format: date-time */
                                verifiedAt: string | null;
                            }[];
                        };
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        /** Claim an email domain; returns the TXT record that proves it */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    orgId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        domain: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            domain: string;
                            id: string;
                            record: {
                                name: string;
                                /** @enum {string} */
                                type: "TXT";
                                value: string;
                            };
                            verified: boolean;
                            /** Format: date-time */
                            verifiedAt: string | null;
                        };
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/orgs/{orgId}/sso/domains/{domainId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Release a domain */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    domainId: string;
                    orgId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": null;
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/orgs/{orgId}/sso/domains/{domainId}/verify": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Look up the domain’s TXT record now */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    domainId: string;
                    orgId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            domain: string;
                            id: string;
                            record: {
                                name: string;
                                /** @enum {string} */
                                type: "TXT";
                                value: string;
                            };
                            verified: boolean;
                            /** Format: date-time */
                            verifiedAt: string | null;
                        };
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/orgs/{orgId}/sso/test": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Fetch the provider’s discovery document with the stored settings */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    orgId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            authorizationEndpoint: string | null;
                            error: string | null;
                            issuer: string;
                            ok: boolean;
                            tokenEndpoint: string | null;
                            userinfoEndpoint: string | null;
                        };
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/orgs/{orgId}/webhooks": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The organisation's webhook endpoints (never with their secret) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    orgId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                createdAt: string;
                                createdBy: string | null;
                                description: string;
                                eventTypes: string[];
                                id: string;
                                url: string;
                            }[];
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        /** Add a webhook endpoint; its Standard Webhooks signing secret is shown once */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    orgId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @default  */
                        description?: string;
                        eventTypes?: ("threat.brute_force" | "threat.access_denied_burst" | "threat.connection_unsafe" | "threat.session_used_outside_rolegate" | "threat.role_assumed_outside_rolegate" | "sso.break_glass_login" | "audit.checkpoint" | "approval.requested" | "approval.decided" | "approval.policy_updated")[];
                        url: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            createdAt: string;
                            createdBy: string | null;
                            description: string;
                            eventTypes: string[];
                            id: string;
                            secret: string;
                            url: string;
                        };
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/orgs/{orgId}/webhooks/{webhookId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Delete a webhook endpoint (its queued messages are dropped) */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    orgId: string;
                    webhookId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description No content */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": null;
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/orgs/{orgId}/webhooks/{webhookId}/test": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Queue a signed webhook.test message to this endpoint */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    orgId: string;
                    webhookId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            queued: number;
                        };
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/orgs/{orgId}/webhooks/deliveries": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Messages to the organisation's endpoints, newest first, with their delivery state */
        get: {
            parameters: {
                query?: {
                    cursor?: string;
                    limit?: number;
                };
                header?: never;
                path: {
                    orgId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                attempts: number;
                                createdAt: string;
                                deliveredAt: string | null;
                                eventType: string;
                                id: string;
                                lastError: string | null;
                                lastStatus: number | null;
                                nextAttemptAt: string | null;
                                payload: {
                                    [key: string]: unknown;
                                };
                                /** @enum {string} */
                                status: "pending" | "delivered" | "failed";
                                webhookId: string | null;
                            }[];
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/orgs/{orgId}/webhooks/deliveries/{deliveryId}/redeliver": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Send a delivered or failed message again (same webhook-id, so receivers can dedupe) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    deliveryId: string;
                    orgId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            attempts: number;
                            createdAt: string;
                            deliveredAt: string | null;
                            eventType: string;
                            id: string;
                            lastError: string | null;
                            lastStatus: number | null;
                            nextAttemptAt: string | null;
                            payload: {
                                [key: string]: unknown;
                            };
                            /** @enum {string} */
                            status: "pending" | "delivered" | "failed";
                            webhookId: string | null;
                        };
                    };
                };
                /** @description The request is not valid (`validation_failed` lists the fields in `details.fields`). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid credential (missing, expired or revoked token or API key). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The role or the API key scope does not permit this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found, or it belongs to another organisation (the same answer). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limited; retry after `Retry-After` seconds. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency (database, audit trail, Redis) is unavailable; retry after `Retry-After` when given. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        Error: {
            error: {
                /**
                 * @description Stable, machine-readable code.
                 * @enum {string}
                 */
                code: "validation_failed" | "bad_request" | "unauthenticated" | "invalid_credentials" | "mfa_required" | "mfa_invalid" | "token_invalid" | "api_key_revoked" | "forbidden" | "capability_missing" | "key_scope_denied" | "key_source_denied" | "audit_export_reserved" | "not_found" | "method_not_allowed" | "conflict" | "last_owner" | "org_limit_reached" | "payload_too_large" | "request_timeout" | "unsupported_media_type" | "rate_limited" | "account_locked" | "connection_not_verified" | "connection_unsafe" | "connection_disabled" | "aws_access_denied" | "aws_throttled" | "aws_unavailable" | "aws_not_found" | "aws_request_failed" | "aws_invalid_request" | "aws_not_configured" | "finding_not_open" | "cleanup_unsupported" | "confirmation_required" | "approval_required" | "confirmation_invalid" | "resource_changed" | "resource_protected" | "tag_conditions_unmet" | "scan_finished" | "scan_already_running" | "reconciliation_already_running" | "scan_queue_full" | "too_many_streams" | "org_busy" | "audit_unavailable" | "service_unavailable" | "sso_required" | "sso_failed" | "sso_provider_unavailable" | "sso_link_required" | "internal_error";
                /** @description Code-specific context; `fields` for `validation_failed`. */
                details?: {
                    fields?: {
                        /** @description `body`, `querystring`, `params` or `headers`. */
                        location: string;
                        message: string;
                        /** @description Dotted path of the field, e.g. `scopes.s3.buckets.0`. */
                        path: string;
                    }[];
                } & {
                    [key: string]: unknown;
                };
                /** @description A human message; never internals. */
                message: string;
                /** @description Quote it when asking for support (also `x-request-id`). */
                requestId: string;
            };
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export type operations = Record<string, never>;

/** The capabilities a connection can be granted (the catalogue, src/connections). */
export const CAPABILITIES = ["s3-read","s3-write","logs-read","dynamodb-read","lambda-read","lambda-invoke","cost-scan","cleanup","cloudtrail-read","organizations-read","audit-export"] as const;
/** Organisation roles, weakest first. */
export const ROLES = ["viewer","member","admin","owner"] as const;
/** Every stable error code of the error envelope. */
export const ERROR_CODES = ["validation_failed","bad_request","unauthenticated","invalid_credentials","mfa_required","mfa_invalid","token_invalid","api_key_revoked","forbidden","capability_missing","key_scope_denied","key_source_denied","audit_export_reserved","not_found","method_not_allowed","conflict","last_owner","org_limit_reached","payload_too_large","request_timeout","unsupported_media_type","rate_limited","account_locked","connection_not_verified","connection_unsafe","connection_disabled","aws_access_denied","aws_throttled","aws_unavailable","aws_not_found","aws_request_failed","aws_invalid_request","aws_not_configured","finding_not_open","cleanup_unsupported","confirmation_required","approval_required","confirmation_invalid","resource_changed","resource_protected","tag_conditions_unmet","scan_finished","scan_already_running","reconciliation_already_running","scan_queue_full","too_many_streams","org_busy","audit_unavailable","service_unavailable","sso_required","sso_failed","sso_provider_unavailable","sso_link_required","internal_error"] as const;
