namespace Tests.Infrastructure;

/// <summary>A fact that needs the SMTP server: skipped when none is configured, unless REQUIRE_SMTP4DEV=1.</summary>
public sealed class SmtpFactAttribute : FactAttribute
{
    public SmtpFactAttribute()
    {
        if (!TestSmtp.Configured && !TestSmtp.Required)
        {
            Skip = "smtp4dev not configured (SMTP4DEV_URL / SMTP4DEV_SMTP_PORT unset; .ci/run starts it)";
        }
    }
}
