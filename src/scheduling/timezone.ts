/**
 * The candidate's time zone(s): given (ATS, request, candidate record) when valid, else from the phone number —
 * the NANP area code for +1, else every zone of the number's country. More than one zone means "not sure":
 * the scheduler then only calls when it is permitted in all of them.
 */
import { getCountries, getCountryCallingCode, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import { COUNTRY_ZONES } from './country-zones.js';
import { NANP_AREA_ZONES } from './nanp-zones.js';
import { isValidZone } from './call-window.js';

export interface ZoneResolution {
  zones: readonly string[];
  /** given (request/ATS/candidate), area-code, country, calling-code, fallback. */
  source: 'given' | 'area-code' | 'country' | 'calling-code' | 'fallback';
  /** Human text for the decision event. */
  detail: string;
}

let byCallingCode: Map<string, CountryCode[]> | undefined;
function countriesFor(callingCode: string): CountryCode[] {
  if (!byCallingCode) {
    byCallingCode = new Map();
    for (const c of getCountries()) {
      const code = getCountryCallingCode(c);
      byCallingCode.set(code, [...(byCallingCode.get(code) ?? []), c]);
    }
  }
  return byCallingCode.get(callingCode) ?? [];
}

const uniq = (xs: readonly string[]) => [...new Set(xs)];

export function resolveZones(input: { given?: string | null; phone: string; fallbackZone: string }): ZoneResolution {
  if (isValidZone(input.given)) return { zones: [input.given], source: 'given', detail: `time zone ${input.given} as given` };
  const parsed = parsePhoneNumberFromString(input.phone);
  if (parsed) {
    const cc = parsed.countryCallingCode;
    if (cc === '1' && (!parsed.country || parsed.country === 'US' || parsed.country === 'CA')) {
      const area = parsed.nationalNumber.slice(0, 3);
      const zones = NANP_AREA_ZONES.get(area);
      if (zones) return { zones, source: 'area-code', detail: `area code ${area}` };
      const country = parsed.country ?? 'US';
      return { zones: COUNTRY_ZONES[country] ?? [], source: 'country', detail: `unknown area code ${area}: every zone of ${country}` };
    }
    if (parsed.country && COUNTRY_ZONES[parsed.country]?.length) {
      return { zones: COUNTRY_ZONES[parsed.country]!, source: 'country', detail: `country ${parsed.country}` };
    }
    // An invalid or unassigned number still has a calling code: every country sharing it.
    const countries = countriesFor(cc);
    const zones = uniq(countries.flatMap((c) => COUNTRY_ZONES[c] ?? []));
    if (zones.length) return { zones, source: 'calling-code', detail: `calling code +${cc} (${countries.join(', ')})` };
  }
  return { zones: [input.fallbackZone], source: 'fallback', detail: `number not recognised: default zone ${input.fallbackZone}` };
}
