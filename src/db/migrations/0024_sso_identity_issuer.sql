DROP INDEX "sso_identities_org_subject_unique";--> statement-breakpoint
ALTER TABLE "sso_identities" ADD COLUMN "issuer" text DEFAULT '' NOT NULL;--> statement-breakpoint
UPDATE "sso_identities" SET "issuer" = "sso_configs"."issuer" FROM "sso_configs" WHERE "sso_configs"."org_id" = "sso_identities"."org_id";--> statement-breakpoint
CREATE UNIQUE INDEX "sso_identities_org_issuer_subject_unique" ON "sso_identities" USING btree ("org_id","issuer","subject");