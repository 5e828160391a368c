/**
 * Instruction-like text in documents (OWASP LLM01): phrases aimed at a model or a screener rather than a reader.
 * Matching passages are flagged at ingest, recorded as `grounding.injection_flagged`, kept out of retrieval and
 * never obeyed. Patterns are deliberately specific: an ordinary resume line must not trip them.
 */
const PATTERNS: { name: string; re: RegExp }[] = [
  { name: 'ignore_instructions', re: /\b(ignore|disregard|forget|override)\b[^.\n]{0,40}\b(instructions?|prompts?|directions|rules|guidelines|context)\b/i },
  { name: 'new_instructions', re: /\b(new|updated|real|actual|secret|hidden)\s+(instructions?|system prompt)\b/i },
  { name: 'address_the_model', re: /\b(note|message|instructions?)\s+(to|for)\s+(the\s+)?(ai|llm|model|assistant|chatgpt|gpt|bot|screener|screening (tool|system)|recruit(er|ing) (ai|bot|tool))\b/i },
  { name: 'role_play', re: /\b(you are|act as|pretend to be|you're now|you are now)\s+(an?\s+)?(ai|assistant|language model|chatgpt|gpt|interviewer|recruiter|hiring manager|evaluator)\b/i },
  { name: 'rate_candidate', re: /\b(rate|score|rank|grade|evaluate|mark|assess)\b[^.\n]{0,40}\b(10\s*\/\s*10|10 out of 10|100\s*\/\s*100|perfect|highest|top (score|candidate|rating)|maximum|5\s*\/\s*5|a\+)/i },
  { name: 'recommend_hire', re: /\b(recommend|advance|approve|shortlist|hire)\s+(this|the)\s+(candidate|applicant|person)\b(?![^.\n]{0,20}\bif\b)/i },
  { name: 'system_prompt', re: /\b(system prompt|system message|jailbreak|developer mode|<\|?(system|im_start)\|?>|\[\/?INST\])/i },
  { name: 'chat_roles', re: /(^|\n)\s*(system|assistant)\s*:/i },
  { name: 'reveal', re: /\b(reveal|print|repeat|show)\s+(your|the)\s+(system\s+)?(prompt|instructions|rubric)\b/i },
  { name: 'do_not_ask', re: /\b(do not|don't|never)\s+(ask|question|probe|mention)\b[^.\n]{0,40}\b(gap|weakness|candidate|experience|this)\b/i },
];

/** Names of the patterns the text matches (empty = nothing instruction-like). */
export function detectInstructions(text: string): string[] {
  const found: string[] = [];
  for (const p of PATTERNS) if (p.re.test(text)) found.push(p.name);
  return found;
}
