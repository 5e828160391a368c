/**
 * The opening disclosure. FCC 24-17 treats AI voices as artificial voices under the TCPA (identify at the start)
 * and several US states and the EU need every party's consent to recording: both are said first, before anything
 * else, and this segment is never interruptible.
 */
export interface DisclosureInput {
  candidateName: string;
  roleTitle: string;
  companyName?: string;
}

export function disclosureLine(input: DisclosureInput): string {
  const first = input.candidateName.trim().split(/\s+/)[0] || 'there';
  const company = input.companyName ? ` at ${input.companyName}` : '';
  return (
    `Hello ${first}. This is an automated AI interviewer calling about the ${input.roleTitle} role${company}. ` +
    `This call is recorded and transcribed so the hiring team can review it.`
  );
}
