namespace Grains.Campaigns;

/// <summary>A step's wait: days, hours and minutes after the previous step went out (the first step: after enrolment).</summary>
public sealed record StepDelay(int Days = 0, int Hours = 0, int Minutes = 0)
{
    public TimeSpan Span => new TimeSpan(Days, Hours, Minutes, 0);
}

/// <summary>
/// When a contact's next step goes out. Delays count from the previous step's actual send (so a step held by the window
/// or the cap pushes the ones after it, as a rep expects: "3 days after the last email"), then the send window in the
/// contact's zone, then the campaign's daily cap: a full day carries the send to the next window opening.
/// </summary>
public static class SequenceSchedule
{
    /// <param name="previousSentAt">When the previous step went out (enrolment time for the first step).</param>
    /// <param name="sentOn">How many sends the campaign already has on a local day (its own zone); null for no cap.</param>
    public static DateTimeOffset NextSend(DateTimeOffset previousSentAt, StepDelay delay, SendWindow window, TimeZoneInfo contactZone,
        int? dailyCap = null, Func<DateOnly, int>? sentOn = null, TimeZoneInfo? campaignZone = null)
    {
        var at = window.NextOpening(previousSentAt + delay.Span, contactZone);
        if (dailyCap is not { } cap || sentOn is null)
        {
            return at;
        }
        var capZone = campaignZone ?? contactZone;
        // A full day moves the send to the next window opening on a later day; a year bounds a cap of 0.
        for (var day = 0; day < 366; day++)
        {
            var date = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(at, capZone).DateTime);
            if (sentOn(date) < cap)
            {
                return at;
            }
            at = window.NextOpening(SendWindow.At(date.AddDays(1), TimeOnly.MinValue, capZone), contactZone);
        }
        throw new InvalidOperationException("The daily cap admits no send");
    }
}
