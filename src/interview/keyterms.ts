/**
 * A small dictionary of technology terms, matched in the role's text. The matches boost speech recognition
 * (Deepgram keyterms) and steer question choice (bank tags are the lower-case canonical names).
 */

export type RoleFamily = 'backend' | 'frontend' | 'fullstack' | 'data' | 'infra' | 'mobile' | 'general';

interface Term {
  /** The spelling a transcript should produce. */
  term: string;
  /** Extra spellings matched in text (the canonical name is always matched). */
  aliases?: string[];
  family?: Exclude<RoleFamily, 'fullstack' | 'general'>;
}

const TERMS: readonly Term[] = [
  { term: 'Python', family: 'backend' },
  { term: 'Java', family: 'backend' },
  { term: 'Go', aliases: ['golang'], family: 'backend' },
  { term: 'Rust', family: 'backend' },
  { term: 'C++', aliases: ['cpp'] },
  { term: 'C#', aliases: ['csharp', '.net', 'dotnet'], family: 'backend' },
  { term: 'Ruby', aliases: ['rails', 'ruby on rails'], family: 'backend' },
  { term: 'PHP', family: 'backend' },
  { term: 'Scala', family: 'data' },
  { term: 'Kotlin', family: 'mobile' },
  { term: 'Swift', aliases: ['swiftui'], family: 'mobile' },
  { term: 'iOS', family: 'mobile' },
  { term: 'Android', family: 'mobile' },
  { term: 'React Native', family: 'mobile' },
  { term: 'JavaScript', aliases: ['js', 'ecmascript'], family: 'frontend' },
  { term: 'TypeScript', aliases: ['ts'] },
  { term: 'Node.js', aliases: ['nodejs', 'node js'], family: 'backend' },
  { term: 'React', aliases: ['reactjs', 'react.js'], family: 'frontend' },
  { term: 'Vue', aliases: ['vue.js', 'vuejs'], family: 'frontend' },
  { term: 'Angular', family: 'frontend' },
  { term: 'Next.js', aliases: ['nextjs'], family: 'frontend' },
  { term: 'CSS', aliases: ['tailwind'], family: 'frontend' },
  { term: 'GraphQL' },
  { term: 'REST', aliases: ['restful'] },
  { term: 'gRPC' },
  { term: 'SQL', family: 'data' },
  { term: 'PostgreSQL', aliases: ['postgres', 'psql'], family: 'backend' },
  { term: 'MySQL', family: 'backend' },
  { term: 'MongoDB', aliases: ['mongo'], family: 'backend' },
  { term: 'Redis', family: 'backend' },
  { term: 'Elasticsearch', aliases: ['opensearch'] },
  { term: 'DynamoDB' },
  { term: 'Cassandra' },
  { term: 'Kafka', family: 'data' },
  { term: 'RabbitMQ' },
  { term: 'Spark', aliases: ['pyspark'], family: 'data' },
  { term: 'Airflow', family: 'data' },
  { term: 'dbt', family: 'data' },
  { term: 'Snowflake', family: 'data' },
  { term: 'BigQuery', family: 'data' },
  { term: 'pandas', family: 'data' },
  { term: 'PyTorch', family: 'data' },
  { term: 'TensorFlow', family: 'data' },
  { term: 'machine learning', aliases: ['ml'], family: 'data' },
  { term: 'Docker', aliases: ['containers'], family: 'infra' },
  { term: 'Kubernetes', aliases: ['k8s'], family: 'infra' },
  { term: 'Terraform', family: 'infra' },
  { term: 'AWS', aliases: ['amazon web services'], family: 'infra' },
  { term: 'GCP', aliases: ['google cloud'], family: 'infra' },
  { term: 'Azure', family: 'infra' },
  { term: 'Linux', family: 'infra' },
  { term: 'CI/CD', aliases: ['continuous integration', 'continuous delivery'], family: 'infra' },
  { term: 'DevOps', aliases: ['sre', 'site reliability'], family: 'infra' },
  { term: 'microservices' },
  { term: 'distributed systems', family: 'backend' },
];

/** Role-title words that name a family outright. */
const TITLE_FAMILIES: readonly [RegExp, RoleFamily][] = [
  [/\b(full[\s-]?stack)\b/i, 'fullstack'],
  [/\b(front[\s-]?end|ui engineer|web developer)\b/i, 'frontend'],
  [/\b(back[\s-]?end|api|platform)\b/i, 'backend'],
  [/\b(data|analytics|machine learning|ml|ai)\b/i, 'data'],
  [/\b(devops|sre|site reliability|infrastructure|infra|cloud)\b/i, 'infra'],
  [/\b(ios|android|mobile)\b/i, 'mobile'],
];

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

// Word edges that also work for terms starting or ending in symbols (C++, C#, .net, CI/CD).
const compiled = TERMS.map((t) => ({
  term: t,
  re: new RegExp(`(?<![\\w+#.])(?:${[t.term, ...(t.aliases ?? [])].map(escape).join('|')})(?![\\w+#])`, 'i'),
}));

/** Technologies mentioned in `text`, canonical spellings, in dictionary order (deterministic). */
export function matchKeyterms(text: string): string[] {
  // "Go" as an English verb is too common; only count it capitalised or as "golang".
  return compiled
    .filter(({ term, re }) => (term.term === 'Go' ? /\bGo\b(?!\s+to\b)|golang/.test(text) : re.test(text)))
    .map(({ term }) => term.term);
}

/** The role's family: from the title first, else the technologies' majority. */
export function roleFamily(title: string, terms: readonly string[]): RoleFamily {
  for (const [re, family] of TITLE_FAMILIES) if (re.test(title)) return family;
  const counts = new Map<RoleFamily, number>();
  for (const name of terms) {
    const family = TERMS.find((t) => t.term === name)?.family;
    if (family) counts.set(family, (counts.get(family) ?? 0) + 1);
  }
  const fe = counts.get('frontend') ?? 0;
  const be = counts.get('backend') ?? 0;
  if (fe > 0 && be > 0 && Math.min(fe, be) * 2 >= Math.max(fe, be)) return 'fullstack';
  let best: RoleFamily = 'general';
  let bestCount = 0;
  for (const [family, n] of counts) {
    if (n > bestCount) {
      best = family;
      bestCount = n;
    }
  }
  return best;
}

/** The bank tag for a canonical term ('Node.js' → 'node.js'). */
export function termTag(term: string): string {
  return term.toLowerCase();
}
