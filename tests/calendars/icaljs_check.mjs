// Read iCalendar files with Mozilla's ical.js (the parser of Thunderbird and many web
// calendars) and print, as JSON, how it reads each event's times.
//
//   node tests/calendars/icaljs_check.mjs FILE.ics...
//
// No time zone is registered with ical.js's TimezoneService: a TZID resolves only through
// a VTIMEZONE in the same file, as a subscriber sees it. A time whose TZID has no
// VTIMEZONE comes out floating, which tests/calendars/test_interop.py reports.
// A file ical.js cannot parse makes the script exit 1 with the reason on stderr.

import { readFileSync } from "node:fs";

import ICAL from "ical.js";

// The package exports no package.json; read it beside the resolved entry point (dist/).
const version = JSON.parse(
  readFileSync(new URL("../package.json", import.meta.resolve("ical.js")), "utf8"),
).version;

function describe(time) {
  if (time === null) {
    return null;
  }
  const zone = time.zone;
  const floating = !zone || zone === ICAL.Timezone.localTimezone;
  return {
    text: time.toString(),
    is_date: time.isDate,
    tzid: floating ? null : zone.tzid,
    floating,
    // A zone ical.js built from a VTIMEZONE of the file (not UTC, not floating).
    from_vtimezone: !floating && zone.component !== null,
    unix: time.isDate ? null : time.toUnixTime(),
    utc_offset: time.isDate ? null : time.utcOffset(),
  };
}

function read(path) {
  const text = readFileSync(path, "utf8");
  const calendar = new ICAL.Component(ICAL.parse(text));
  if (calendar.name !== "vcalendar") {
    throw new Error(`${path}: top component is ${calendar.name}, not vcalendar`);
  }
  const timezones = calendar.getAllSubcomponents("vtimezone").map((tz) =>
    tz.getFirstPropertyValue("tzid"),
  );
  const events = calendar.getAllSubcomponents("vevent").map((component) => {
    const event = new ICAL.Event(component);
    return {
      uid: event.uid,
      summary: event.summary,
      location: event.location,
      start: describe(event.startDate),
      end: describe(event.endDate),
    };
  });
  return {
    path,
    name: calendar.getFirstPropertyValue("x-wr-calname"),
    timezones,
    events,
  };
}

const paths = process.argv.slice(2);
if (paths.length === 0) {
  console.error("usage: node icaljs_check.mjs FILE.ics...");
  process.exit(2);
}
try {
  process.stdout.write(JSON.stringify({ version, feeds: paths.map(read) }));
} catch (error) {
  console.error(`ical.js ${version}: ${error.stack || error}`);
  process.exit(1);
}
