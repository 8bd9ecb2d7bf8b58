/**
 * On-demand list prices used to estimate what a finding costs per month. Shipped with the code so
 * estimates are reproducible and offline; they are estimates, not a bill (no discounts, savings
 * plans, free tier or taxes). Regions not listed use `default` (us-east-1 prices).
 */
export const PRICE_TABLE_DATE = '2026-11-01';
export const HOURS_PER_MONTH = 730;

/** EBS volume types AWS bills differently; `standard` is the previous-generation magnetic type. */
export const EBS_VOLUME_TYPES = ['gp2', 'gp3', 'io1', 'io2', 'st1', 'sc1', 'standard'] as const;
export type EbsVolumeType = (typeof EBS_VOLUME_TYPES)[number];

export interface EbsPrices {
  /** USD per GiB-month of provisioned storage, per volume type. */
  gbMonth: Record<EbsVolumeType, number>;
  /** io1 and io2 (first tier, up to 32,000 IOPS): USD per provisioned IOPS-month. */
  piopsMonth: number;
  /** gp3: USD per IOPS-month above the free 3,000. */
  gp3IopsMonth: number;
  /** gp3: USD per MiB/s-month of throughput above the free 125 MiB/s. */
  gp3ThroughputMonth: number;
}

export interface RegionPrices {
  ebs: EbsPrices;
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
  ebs: {
    gbMonth: { gp2: 0.1, gp3: 0.08, io1: 0.125, io2: 0.125, st1: 0.045, sc1: 0.015, standard: 0.05 },
    piopsMonth: 0.065,
    gp3IopsMonth: 0.005,
    gp3ThroughputMonth: 0.04,
  },
  snapshotGbMonth: 0.05,
  eipHour: 0.005,
  albHour: 0.0225,
  nlbHour: 0.0225,
  gwlbHour: 0.0125,
  rdsGbMonth: 0.115,
  natHour: 0.045,
};

/** The EBS prices shared by several Asia-Pacific regions and us-west-1. */
const EBS_096: EbsPrices = {
  gbMonth: { gp2: 0.12, gp3: 0.096, io1: 0.138, io2: 0.138, st1: 0.054, sc1: 0.018, standard: 0.08 },
  piopsMonth: 0.072,
  gp3IopsMonth: 0.006,
  gp3ThroughputMonth: 0.048,
};

export const PRICES: Readonly<Record<string, RegionPrices>> = {
  'us-east-1': US_EAST_1,
  'us-east-2': US_EAST_1,
  'us-west-2': US_EAST_1,
  'us-west-1': {
    ebs: EBS_096,
    snapshotGbMonth: 0.055,
    eipHour: 0.005,
    albHour: 0.0252,
    nlbHour: 0.0252,
    gwlbHour: 0.014,
    rdsGbMonth: 0.138,
    natHour: 0.048,
  },
  'eu-west-1': {
    ebs: {
      gbMonth: { gp2: 0.11, gp3: 0.088, io1: 0.138, io2: 0.138, st1: 0.05, sc1: 0.0168, standard: 0.055 },
      piopsMonth: 0.072,
      gp3IopsMonth: 0.0055,
      gp3ThroughputMonth: 0.044,
    },
    snapshotGbMonth: 0.05,
    eipHour: 0.005,
    albHour: 0.0252,
    nlbHour: 0.0252,
    gwlbHour: 0.014,
    rdsGbMonth: 0.127,
    natHour: 0.048,
  },
  'eu-central-1': {
    ebs: {
      gbMonth: { gp2: 0.119, gp3: 0.0952, io1: 0.149, io2: 0.149, st1: 0.054, sc1: 0.018, standard: 0.059 },
      piopsMonth: 0.078,
      gp3IopsMonth: 0.006,
      gp3ThroughputMonth: 0.0476,
    },
    snapshotGbMonth: 0.054,
    eipHour: 0.005,
    albHour: 0.027,
    nlbHour: 0.027,
    gwlbHour: 0.015,
    rdsGbMonth: 0.137,
    natHour: 0.052,
  },
  'eu-west-2': {
    ebs: {
      gbMonth: { gp2: 0.116, gp3: 0.0928, io1: 0.145, io2: 0.145, st1: 0.053, sc1: 0.0174, standard: 0.058 },
      piopsMonth: 0.076,
      gp3IopsMonth: 0.0058,
      gp3ThroughputMonth: 0.0464,
    },
    snapshotGbMonth: 0.053,
    eipHour: 0.005,
    albHour: 0.0264,
    nlbHour: 0.0264,
    gwlbHour: 0.0146,
    rdsGbMonth: 0.133,
    natHour: 0.05,
  },
  'ap-southeast-1': {
    ebs: EBS_096,
    snapshotGbMonth: 0.05,
    eipHour: 0.005,
    albHour: 0.0252,
    nlbHour: 0.0252,
    gwlbHour: 0.014,
    rdsGbMonth: 0.138,
    natHour: 0.059,
  },
  'ap-northeast-1': {
    ebs: {
      ...EBS_096,
      gbMonth: { ...EBS_096.gbMonth, io1: 0.142, io2: 0.142 },
      piopsMonth: 0.074,
    },
    snapshotGbMonth: 0.05,
    eipHour: 0.005,
    albHour: 0.0243,
    nlbHour: 0.0243,
    gwlbHour: 0.0135,
    rdsGbMonth: 0.138,
    natHour: 0.062,
  },
  'ap-southeast-2': {
    ebs: EBS_096,
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

/** A monthly estimate and how it was reached, in words a reader can check against AWS's price pages. */
export interface Estimate {
  cents: number;
  basis: string;
}

/** `<region>, price table <date>`, or which region's prices stood in for an unlisted one. */
export function priceSource(region: string): string {
  const listed = Object.hasOwn(PRICES, region) && region !== 'default';
  return `${listed ? region : `us-east-1 prices (${region} is not in the table)`}, price table ${PRICE_TABLE_DATE}`;
}

/** Prices without trailing zeros beyond cents: 0.1 → "0.10", 0.0952 → "0.0952". */
export function usd(n: number): string {
  const fixed = n.toFixed(4).replace(/0+$/, '');
  const [whole, frac = ''] = fixed.split('.');
  return `$${whole}.${frac.padEnd(2, '0')}`;
}

function isEbsVolumeType(t: string | undefined): t is EbsVolumeType {
  return t !== undefined && (EBS_VOLUME_TYPES as readonly string[]).includes(t);
}

/** io2 IOPS are tiered: the first 32,000 at the full rate, the next 32,000 at 70 %, the rest at 49.23 % (AWS's us-east-1 ratios). */
const IO2_TIERS: readonly [limit: number, factor: number][] = [
  [32_000, 1],
  [64_000, 0.7],
  [Number.POSITIVE_INFINITY, 0.032 / 0.065],
];

/**
 * One EBS volume's monthly price: storage by type, plus provisioned IOPS (io1/io2) and gp3's IOPS and
 * throughput above the included baseline (3,000 IOPS, 125 MiB/s). An unknown or missing type is
 * priced as gp3, the cheapest SSD, and the basis says so.
 */
export function ebsVolumeEstimate(
  region: string,
  volume: {
    sizeGb: number;
    type: string | undefined;
    iops?: number | undefined;
    throughput?: number | undefined;
  },
): Estimate {
  const p = pricesFor(region).ebs;
  const known = isEbsVolumeType(volume.type);
  const type: EbsVolumeType = known ? (volume.type as EbsVolumeType) : 'gp3';
  const rate = p.gbMonth[type];
  let usdMonth = volume.sizeGb * rate;
  const parts = [
    known
      ? `${volume.sizeGb} GiB ${type} at ${usd(rate)}/GiB-month`
      : `${volume.sizeGb} GiB of type ${volume.type ?? 'unknown'} priced as gp3 at ${usd(rate)}/GiB-month`,
  ];
  const iops = volume.iops ?? 0;
  if ((type === 'io1' || type === 'io2') && iops > 0) {
    let piops = 0;
    if (type === 'io1') piops = iops * p.piopsMonth;
    else {
      let below = 0;
      for (const [limit, factor] of IO2_TIERS) {
        const n = Math.max(0, Math.min(iops, limit) - below);
        piops += n * p.piopsMonth * factor;
        below = limit;
      }
    }
    usdMonth += piops;
    parts.push(
      `${iops} provisioned IOPS at ${usd(p.piopsMonth)}/IOPS-month${type === 'io2' && iops > 32_000 ? ' (tiered above 32,000)' : ''}`,
    );
  }
  if (known && type === 'gp3') {
    const extraIops = Math.max(0, iops - 3000);
    const extraThroughput = Math.max(0, (volume.throughput ?? 0) - 125);
    if (extraIops > 0) {
      usdMonth += extraIops * p.gp3IopsMonth;
      parts.push(`${extraIops} IOPS above 3,000 at ${usd(p.gp3IopsMonth)}/IOPS-month`);
    }
    if (extraThroughput > 0) {
      usdMonth += extraThroughput * p.gp3ThroughputMonth;
      parts.push(`${extraThroughput} MiB/s above 125 at ${usd(p.gp3ThroughputMonth)}/MiB/s-month`);
    }
  }
  return { cents: toCents(usdMonth), basis: `${parts.join(' + ')}, ${priceSource(region)}` };
}

/** A per-GB-month estimate (snapshots, RDS storage). */
export function perGbEstimate(region: string, sizeGb: number, rate: number, what: string): Estimate {
  return {
    cents: toCents(sizeGb * rate),
    basis: `${sizeGb} GB ${what} at ${usd(rate)}/GB-month, ${priceSource(region)}`,
  };
}

/** An hourly estimate over a 730-hour month (addresses, load balancers, NAT gateways). */
export function hourlyEstimate(region: string, rate: number, what: string): Estimate {
  return {
    cents: toCents(rate * HOURS_PER_MONTH),
    basis: `1 ${what} at ${usd(rate)}/hour × ${HOURS_PER_MONTH} h, ${priceSource(region)}`,
  };
}

/** Rounds to cents, the precision findings store. */
export function toCents(usd: number): number {
  return Math.round(usd * 100);
}
