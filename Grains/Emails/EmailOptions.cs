namespace Grains.Emails;

/// <summary>Configuration section <c>Email</c>.</summary>
public sealed class EmailOptions
{
    public const string SectionName = "Email";

    /// <summary>Where recipients' clicks, opens and unsubscribes reach the API (the public base URL of ApiHost).</summary>
    public string TrackingBaseUrl { get; set; } = "http://127.0.0.1:5080";

    /// <summary>Sends tried before an email fails on transient SMTP errors (4xx, connection loss).</summary>
    public int MaxAttempts { get; set; } = 5;

    /// <summary>The first retry's delay; each next one doubles.</summary>
    public TimeSpan FirstRetryDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How often the partition's sweep (emails due now) or a later email's own reminder wakes an unsent email (what
    /// carries a send across deactivation and silo loss; the first send and retries run on grain timers). An email due
    /// sooner than this is left to the sweep. At least Orleans' minimum reminder period.
    /// </summary>
    public TimeSpan ReminderPeriod { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// SMTP connections a sending account may hold open at once (each sends one message at a time; opened as sends
    /// need them and kept for reuse). Mind the receiving server's own per-client connection limit.
    /// </summary>
    public int ConnectionsPerAccount { get; set; } = 4;

    /// <summary>SMTP connect/command timeout.</summary>
    public TimeSpan SmtpTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
