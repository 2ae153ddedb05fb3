using System.Buffers.Text;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Grains.Encryption;
using MimeKit;
using MimeKit.Utils;

namespace Grains.Emails;

/// <summary>
/// Tracking links and the MIME message. A tracking token is <c>base64url(grain key)</c> + "." + a blind index of the
/// grain key under the tenant's index key (HMAC-SHA256, 128 bits): not guessable, verified by the email grain.
/// </summary>
public static partial class EmailMessages
{
    private const string TrackPurpose = "email-track";

    public static string Signature(TenantCrypto crypto, string grainKey) => crypto.BlindIndex(TrackPurpose, grainKey);

    public static string Token(TenantCrypto crypto, string grainKey) =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes(grainKey)) + "." + Signature(crypto, grainKey);

    /// <summary>The http(s) links of an HTML body, in order (each gets a click-tracking URL by its index).</summary>
    /// <remarks>An array, not a collection expression's list type: see <see cref="EmailRecords.Moved"/>.</remarks>
    public static string[] Links(string html) => Href().Matches(html).Select(m => WebUtility.HtmlDecode(m.Groups[2].Value)).ToArray();

    /// <summary>The HTML part made from the plain-text body when a template has no HTML body: encoded, lines kept.</summary>
    public static string HtmlFromText(string encodedText) =>
        "<html><body>" + encodedText.Replace("\r\n", "\n", StringComparison.Ordinal).Replace("\n", "<br>\n", StringComparison.Ordinal) + "</body></html>";

    public sealed record Parts(string From, string? FromName, string To, string Subject, string Text, string Html, string MessageId);

    /// <summary>
    /// The message as sent: multipart/alternative (text, then HTML), the fixed Message-ID, links rewritten through the
    /// click redirect, the open pixel, an unsubscribe link in both parts and RFC 8058 one-click unsubscribe headers.
    /// </summary>
    public static MimeMessage Build(Parts parts, DateTimeOffset date, string trackingBase, string token, bool trackOpens, bool trackClicks)
    {
        var unsubscribe = $"{trackingBase}/v1/email-tracking/unsubscribe/{token}";
        var html = parts.Html;
        if (trackClicks)
        {
            var index = 0;
            html = Href().Replace(html, m => $"{m.Groups[1].Value}{trackingBase}/v1/email-tracking/click/{token}/{index++}{m.Groups[3].Value}");
        }
        var footer = $"<p style=\"font-size:12px\"><a href=\"{unsubscribe}\">Unsubscribe</a></p>";
        if (trackOpens)
        {
            footer += $"<img src=\"{trackingBase}/v1/email-tracking/open/{token}\" width=\"1\" height=\"1\" alt=\"\">";
        }
        // Inserted as text (a replacement pattern would be parsed anew for every email's unique footer).
        var bodyEnd = html.IndexOf("</body>", StringComparison.OrdinalIgnoreCase);
        html = bodyEnd >= 0 ? html.Insert(bodyEnd, footer) : html + footer;

        // Made from its Message-ID and Date headers: the parameterless constructor generates a Message-ID and reads the
        // local clock for a Date, both only to be replaced.
        var message = new MimeMessage(new Header(HeaderId.MessageId, $"<{parts.MessageId}>"), new Header(HeaderId.Date, DateUtils.FormatDate(date)));
        message.From.Add(new MailboxAddress(parts.FromName ?? "", parts.From));
        message.To.Add(MailboxAddress.Parse(parts.To));
        message.Subject = parts.Subject;
        message.Headers.Add("List-Unsubscribe", $"<{unsubscribe}>");
        message.Headers.Add("List-Unsubscribe-Post", "List-Unsubscribe=One-Click");
        message.Body = new BodyBuilder
        {
            TextBody = parts.Text + $"\n\n--\nUnsubscribe: {unsubscribe}\n",
            HtmlBody = html,
        }.ToMessageBody();
        return message;
    }

    [GeneratedRegex("(href\\s*=\\s*\")(https?://[^\"]+)(\")", RegexOptions.IgnoreCase)]
    private static partial Regex Href();
}
