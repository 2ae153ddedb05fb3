namespace Grains.Campaigns;

/// <summary>
/// When outreach may go out: days of the week and a local time range (<see cref="Start"/> inclusive, <see cref="End"/>
/// exclusive), read in the recipient's time zone. DST-correct: a window edge that falls in a spring-forward gap opens at
/// the first minute that exists; one that falls twice (fall-back) means its first occurrence.
/// </summary>
public sealed record SendWindow(IReadOnlySet<DayOfWeek> Days, TimeOnly Start, TimeOnly End)
{
    public static readonly SendWindow Always = new(Enum.GetValues<DayOfWeek>().ToHashSet(), TimeOnly.MinValue, TimeOnly.MaxValue);

    public static readonly IReadOnlySet<DayOfWeek> Weekdays =
        new HashSet<DayOfWeek> { DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday };

    /// <summary>The first instant at or after <paramref name="from"/> inside the window, in <paramref name="zone"/>.</summary>
    public DateTimeOffset NextOpening(DateTimeOffset from, TimeZoneInfo zone)
    {
        if (Days.Count == 0 || End <= Start)
        {
            throw new InvalidOperationException("A send window needs at least one day and an end after its start");
        }
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(from, zone).DateTime);
        // Eight days reach every weekday once more even when today's window has closed.
        for (var day = 0; day <= 7; day++)
        {
            var date = today.AddDays(day);
            if (!Days.Contains(date.DayOfWeek))
            {
                continue;
            }
            var open = At(date, Start, zone);
            var close = End == TimeOnly.MaxValue ? At(date.AddDays(1), TimeOnly.MinValue, zone) : At(date, End, zone);
            if (from < close)
            {
                return from > open ? from : open;
            }
        }
        throw new InvalidOperationException("unreachable: a window with a day opens within a week");
    }

    /// <summary>Whether <paramref name="at"/> lies inside the window.</summary>
    public bool Contains(DateTimeOffset at, TimeZoneInfo zone) => NextOpening(at, zone) == at;

    /// <summary>A local date and time as an instant in the zone (gaps move forward, overlaps take the first occurrence).</summary>
    public static DateTimeOffset At(DateOnly date, TimeOnly time, TimeZoneInfo zone)
    {
        var local = date.ToDateTime(time);
        while (zone.IsInvalidTime(local))
        {
            local = local.AddMinutes(1);
        }
        var offset = zone.IsAmbiguousTime(local) ? zone.GetAmbiguousTimeOffsets(local).Max() : zone.GetUtcOffset(local);
        return new DateTimeOffset(local, offset);
    }
}
