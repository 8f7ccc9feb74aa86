// Words for durations and factors in alert descriptions, so that a text such
// as "for 5 minutes" follows the configured `for:`.
local units = { s: 'second', m: 'minute', h: 'hour', d: 'day' };
local count(n, unit) = (if n == 1 then 'one ' + unit else '%d %ss' % [n, unit]);
{
  // '5m' -> '5 minutes', '1h' -> 'one hour', '12h' -> '12 hours'.
  duration(d)::
    local unit = d[std.length(d) - 1];
    assert std.objectHas(units, unit) : 'unsupported duration ' + d;
    count(std.parseInt(d[0:std.length(d) - 1]), units[unit]),
  // 3600 -> 'one hour', 900 -> '15 minutes', 45 -> '45 seconds'.
  seconds(s)::
    if s % 3600 == 0 then count(s / 3600, 'hour')
    else if s % 60 == 0 then count(s / 60, 'minute')
    else count(s, 'second'),
  // 0.1 -> '10%'.
  percent(r):: '%g%%' % (r * 100),
  // 2 -> 'twice', 3 -> '3 times'.
  times(f):: if f == 2 then 'twice' else '%g times' % f,
}
