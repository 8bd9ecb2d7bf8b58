CREATE TABLE "audit_signed_checkpoints" (
	"chain" text NOT NULL,
	"n" bigint NOT NULL,
	"seq" bigint NOT NULL,
	"head" text NOT NULL,
	"signed_at" timestamp with time zone NOT NULL,
	"time" text NOT NULL,
	"prev" text NOT NULL,
	"deployment" text NOT NULL,
	"kid" text NOT NULL,
	"alg" text NOT NULL,
	"hash" text NOT NULL,
	"signature" text NOT NULL,
	CONSTRAINT "audit_signed_checkpoints_chain_n_pk" PRIMARY KEY("chain","n")
);
--> statement-breakpoint
CREATE TABLE "audit_signing_keys" (
	"kid" text PRIMARY KEY NOT NULL,
	"alg" text NOT NULL,
	"jwk" jsonb NOT NULL,
	"valid_from" timestamp with time zone NOT NULL,
	"valid_until" timestamp with time zone
);
