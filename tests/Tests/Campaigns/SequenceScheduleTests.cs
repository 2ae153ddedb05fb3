using Grains.Campaigns;

namespace Tests.Campaigns;

/// <summary>The sequence timing rules: delays from the previous send, the window in the contact's zone (DST), the daily cap.</summary>
public sealed class SequenceScheduleTests
{
    private static readonly TimeZoneInfo NewYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");
    private static readonly TimeZoneInfo Berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
    private static readonly SendWindow BusinessHours = new(SendWindow.Weekdays, new TimeOnly(9, 0), new TimeOnly(17, 0));

    [Fact]
    public void A_0_3_5_7_day_sequence_lands_in_the_contacts_business_hours_across_the_spring_DST_change_and_skips_weekends()
    {
        // Enrolled Thursday 5 March 2026, 10:00 in New York (EST, UTC-5); DST starts Sunday 8 March.
        var enrolled = new DateTimeOffset(2026, 3, 5, 15, 0, 0, TimeSpan.Zero);
        var first = SequenceSchedule.NextSend(enrolled, new StepDelay(0), BusinessHours, NewYork);
        var second = SequenceSchedule.NextSend(first, new StepDelay(3), BusinessHours, NewYork);
        var third = SequenceSchedule.NextSend(second, new StepDelay(5), BusinessHours, NewYork);
        var fourth = SequenceSchedule.NextSend(third, new StepDelay(7), BusinessHours, NewYork);

        Assert.Equal(enrolled, first); // inside the window: at once
        // +3 days is Sunday 10:00: the window's next opening is Monday 09:00, now EDT (UTC-4).
        Assert.Equal(new DateTimeOffset(2026, 3, 9, 13, 0, 0, TimeSpan.Zero), second);
        // +5 days from that send is Saturday 14 March: Monday 16 March 09:00 EDT.
        Assert.Equal(new DateTimeOffset(2026, 3, 16, 13, 0, 0, TimeSpan.Zero), third);
        Assert.Equal(new DateTimeOffset(2026, 3, 23, 13, 0, 0, TimeSpan.Zero), fourth);
        Assert.All(new[] { first, second, third, fourth }, at => Assert.True(BusinessHours.Contains(at, NewYork)));
    }

    [Fact]
    public void The_window_is_read_in_each_contacts_zone()
    {
        var due = new DateTimeOffset(2026, 6, 1, 6, 0, 0, TimeSpan.Zero); // Monday: 08:00 in Berlin, 02:00 in New York
        Assert.Equal(new DateTimeOffset(2026, 6, 1, 7, 0, 0, TimeSpan.Zero), BusinessHours.NextOpening(due, Berlin));
        Assert.Equal(new DateTimeOffset(2026, 6, 1, 13, 0, 0, TimeSpan.Zero), BusinessHours.NextOpening(due, NewYork));
        // The end is exclusive: at 17:00 the window has closed until the next weekday.
        var closing = new DateTimeOffset(2026, 6, 5, 15, 0, 0, TimeSpan.Zero); // Friday 17:00 in Berlin
        Assert.Equal(new DateTimeOffset(2026, 6, 8, 7, 0, 0, TimeSpan.Zero), BusinessHours.NextOpening(closing, Berlin));
    }

    [Fact]
    public void A_window_edge_in_the_spring_gap_opens_at_the_first_minute_that_exists_and_one_in_the_autumn_overlap_at_its_first_occurrence()
    {
        // Berlin skips 02:00-03:00 on 29 March 2026: a 02:30 opening is 03:00 CEST (01:00 UTC).
        var night = new SendWindow(Enum.GetValues<DayOfWeek>().ToHashSet(), new TimeOnly(2, 30), new TimeOnly(5, 0));
        Assert.Equal(new DateTimeOffset(2026, 3, 29, 1, 0, 0, TimeSpan.Zero),
            night.NextOpening(new DateTimeOffset(2026, 3, 28, 23, 0, 0, TimeSpan.Zero), Berlin));
        // New York has 01:30 twice on 1 November 2026: the window opens at the first (EDT, 05:30 UTC).
        var early = new SendWindow(Enum.GetValues<DayOfWeek>().ToHashSet(), new TimeOnly(1, 30), new TimeOnly(4, 0));
        Assert.Equal(new DateTimeOffset(2026, 11, 1, 5, 30, 0, TimeSpan.Zero),
            early.NextOpening(new DateTimeOffset(2026, 11, 1, 4, 0, 0, TimeSpan.Zero), NewYork));
    }

    [Fact]
    public void A_full_day_under_the_daily_cap_carries_the_send_to_the_next_window()
    {
        var sent = new Dictionary<DateOnly, int> { [new DateOnly(2026, 6, 1)] = 2, [new DateOnly(2026, 6, 2)] = 2, [new DateOnly(2026, 6, 3)] = 1 };
        var due = new DateTimeOffset(2026, 6, 1, 8, 0, 0, TimeSpan.Zero); // Monday 10:00 in Berlin
        var at = SequenceSchedule.NextSend(due, new StepDelay(), BusinessHours, Berlin, dailyCap: 2, sentOn: d => sent.GetValueOrDefault(d));
        Assert.Equal(new DateTimeOffset(2026, 6, 3, 7, 0, 0, TimeSpan.Zero), at); // Wednesday 09:00, the first day with room

        var hours = SequenceSchedule.NextSend(due, new StepDelay(Hours: 30, Minutes: 15), BusinessHours, Berlin);
        Assert.Equal(new DateTimeOffset(2026, 6, 2, 14, 15, 0, TimeSpan.Zero), hours); // Tuesday 16:15, inside the window
    }
}
