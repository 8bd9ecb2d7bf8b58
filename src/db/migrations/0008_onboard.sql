ALTER TABLE "findings" ADD COLUMN "cost_basis" text;
