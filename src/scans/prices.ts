/**
 * On-demand list prices used to estimate what a finding costs per month. Shipped with the code so
 * estimates are reproducible and offline; they are estimates, not a bill (no discounts, savings
 * plans, free tier or taxes). Regions not listed use `default` (us-east-1 prices).
 */
export const PRICE_TABLE_DATE = '2026-11-01';
export const HOURS_PER_MONTH = 730;

export interface RegionPrices {
  /** EBS gp3 storage, USD per GB-month (also applied to gp2/other types: a conservative floor). */
  ebsGbMonth: number;
  /** EBS snapshot standard tier, USD per GB-month of the snapshot's volume size (upper bound: snapshots are incremental). */
  snapshotGbMonth: number;
  /** Public IPv4 / idle Elastic IP, USD per hour. */
  eipHour: number;
  /** Application Load Balancer, USD per hour (LCU charges excluded: an idle balancer uses ~none). */
  albHour: number;
  /** Network Load Balancer, USD per hour. */
  nlbHour: number;
  /** Gateway Load Balancer, USD per hour. */
  gwlbHour: number;
  /** RDS gp2/gp3 storage, USD per GB-month (billed while an instance is stopped). */
  rdsGbMonth: number;
  /** NAT gateway, USD per hour (data processing excluded). */
  natHour: number;
}

const US_EAST_1: RegionPrices = {
  ebsGbMonth: 0.08,
  snapshotGbMonth: 0.05,
  eipHour: 0.005,
  albHour: 0.0225,
  nlbHour: 0.0225,
  gwlbHour: 0.0125,
  rdsGbMonth: 0.115,
  natHour: 0.045,
};

export const PRICES: Readonly<Record<string, RegionPrices>> = {
  'us-east-1': US_EAST_1,
  'us-east-2': US_EAST_1,
  'us-west-2': US_EAST_1,
  'us-west-1': {
    ebsGbMonth: 0.096,
    snapshotGbMonth: 0.055,
    eipHour: 0.005,
    albHour: 0.0252,
    nlbHour: 0.0252,
    gwlbHour: 0.014,
    rdsGbMonth: 0.138,
    natHour: 0.048,
  },
  'eu-west-1': {
    ebsGbMonth: 0.088,
    snapshotGbMonth: 0.05,
    eipHour: 0.005,
    albHour: 0.0252,
    nlbHour: 0.0252,
    gwlbHour: 0.014,
    rdsGbMonth: 0.127,
    natHour: 0.048,
  },
  'eu-central-1': {
    ebsGbMonth: 0.0952,
    snapshotGbMonth: 0.054,
    eipHour: 0.005,
    albHour: 0.027,
    nlbHour: 0.027,
    gwlbHour: 0.015,
    rdsGbMonth: 0.137,
    natHour: 0.052,
  },
  'eu-west-2': {
    ebsGbMonth: 0.0928,
    snapshotGbMonth: 0.053,
    eipHour: 0.005,
    albHour: 0.0264,
    nlbHour: 0.0264,
    gwlbHour: 0.0146,
    rdsGbMonth: 0.133,
    natHour: 0.05,
  },
  'ap-southeast-1': {
    ebsGbMonth: 0.096,
    snapshotGbMonth: 0.05,
    eipHour: 0.005,
    albHour: 0.0252,
    nlbHour: 0.0252,
    gwlbHour: 0.014,
    rdsGbMonth: 0.138,
    natHour: 0.059,
  },
  'ap-northeast-1': {
    ebsGbMonth: 0.096,
    snapshotGbMonth: 0.05,
    eipHour: 0.005,
    albHour: 0.0243,
    nlbHour: 0.0243,
    gwlbHour: 0.0135,
    rdsGbMonth: 0.138,
    natHour: 0.062,
  },
  'ap-southeast-2': {
    ebsGbMonth: 0.096,
    snapshotGbMonth: 0.055,
    eipHour: 0.005,
    albHour: 0.0252,
    nlbHour: 0.0252,
    gwlbHour: 0.014,
    rdsGbMonth: 0.138,
    natHour: 0.059,
  },
  default: US_EAST_1,
};

export function pricesFor(region: string): RegionPrices {
  return PRICES[region] ?? US_EAST_1;
}

/** Rounds to cents, the precision findings store. */
export function toCents(usd: number): number {
  return Math.round(usd * 100);
}
