using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ApiHost.Api;
using ApiHost.Api.Lists;
using Grains.Interfaces.Contacts;
using Grains.Interfaces.Projections;

namespace ApiHost.Contacts;

/// <summary>The SalesOS contact and account objects on the wire, and their list filters.</summary>
public static class ContactContract
{
    private static readonly string[] ContactOptional = ["account_id", "first_name", "last_name", "phone", "title", "linkedin_url", "customer_id"];
    private static readonly string[] AccountOptional = ["domain", "industry", "company_size", "revenue", "location", "notes"];

    public static ContactFields ReadContact(JsonElement body, bool creating)
    {
        var fields = new FieldReader(body);
        var accountId = fields.String("account_id", maxLength: 64);
        var customerId = fields.String("customer_id", maxLength: 64);
        var firstName = fields.String("first_name");
        var lastName = fields.String("last_name");
        var email = fields.Email("email", required: creating || fields.Has("email"));
        var phone = fields.Phone("phone");
        var title = fields.String("title");
        var linkedin = fields.Url("linkedin_url");
        var status = fields.Enum("status", ContactKeys.Statuses);
        if (fields.Has("status") && status is null)
        {
            fields.Fail("status", "invalid", $"status must be one of: {string.Join(", ", ContactKeys.Statuses)}");
        }
        CheckId(fields, "account_id", accountId, AccountKeys.IdPrefix);
        CheckId(fields, "customer_id", customerId, Grains.Interfaces.Customers.CustomerKeys.IdPrefix);
        fields.ThrowIfInvalid();
        return new ContactFields
        {
            AccountId = FieldReader.Blank(accountId), CustomerId = FieldReader.Blank(customerId), FirstName = FieldReader.Blank(firstName), LastName = FieldReader.Blank(lastName),
            Email = email, Phone = FieldReader.Blank(phone), Title = FieldReader.Blank(title), LinkedinUrl = FieldReader.Blank(linkedin), Status = status,
            Cleared = creating ? [] : ResourceRequests.ClearedFields(body, ContactOptional),
        };
    }

    public static AccountFields ReadAccount(JsonElement body, bool creating)
    {
        var fields = new FieldReader(body);
        var name = fields.String("name", required: creating || fields.Has("name"));
        var domain = fields.String("domain");
        var industry = fields.String("industry");
        var size = fields.String("company_size", maxLength: 64);
        var revenue = fields.Decimal("revenue", min: 0);
        var location = fields.String("location");
        var notes = fields.String("notes", maxLength: FieldReader.DescriptionMaxLength);
        var fit = fields.Decimal("fit_score", min: 0, max: 1);
        var intent = fields.Decimal("intent_score", min: 0, max: 1);
        var status = fields.Enum("status", AccountKeys.Statuses);
        if (fields.Has("status") && status is null)
        {
            fields.Fail("status", "invalid", $"status must be one of: {string.Join(", ", AccountKeys.Statuses)}");
        }
        fields.ThrowIfInvalid();
        return new AccountFields
        {
            Name = name, Domain = FieldReader.Blank(domain), Industry = FieldReader.Blank(industry), CompanySize = FieldReader.Blank(size), Revenue = revenue,
            Location = FieldReader.Blank(location), Notes = FieldReader.Blank(notes), FitScore = fit, IntentScore = intent, Status = status,
            Cleared = creating ? [] : ResourceRequests.ClearedFields(body, AccountOptional),
        };
    }

    /// <summary>The contact object: the document's fields plus engagement, suppression and the customer link.</summary>
    public static ContactResource Resource(ContactView c, bool withActivities = false) => new(c.Id, c.AccountId, c.CustomerId, c.FirstName,
        c.LastName, c.Name, c.Email, c.Phone, c.Title, c.LinkedinUrl, c.Status, c.EngagementScore, 0, c.Tier, c.UnsubscribedAt, c.BouncedAt,
        c.Version, c.CreatedAt, c.UpdatedAt, withActivities ? Activities(c.Activities) : null, withActivities ? NextBestAction(c) : null);

    public static JsonObject ToJson(ContactView c) => Wire.ToObject(Resource(c));

    public static IReadOnlyList<ContactActivityRecord> Activities(IEnumerable<ContactActivity> activities) =>
        [.. activities.Select(a => new ContactActivityRecord(a.Type, a.EmailId, a.At))];

    /// <summary>
    /// A rule, not a model: suppressed → none; a reply → schedule_meeting; a click or open → send_follow_up; else
    /// send_first_email. Confidence is the engagement score / 100 (0.5 for a contact never engaged).
    /// </summary>
    public static NextBestAction NextBestAction(ContactView c)
    {
        var e = c.Engagement;
        var action = c.Suppressed ? "none"
            : e.EmailReplies > 0 ? "schedule_meeting"
            : e.EmailClicks + e.EmailOpens > 0 ? "send_follow_up"
            : "send_first_email";
        return new NextBestAction(action, c.EngagementScore == 0 ? 0.5m : c.EngagementScore / 100m);
    }

    public static EngagementScoreData EngagementScore(ContactView c, DateTimeOffset calculatedAt) => new(c.Id, c.EngagementScore,
        new EngagementComponents(c.Engagement.EmailOpens, c.Engagement.EmailClicks, c.Engagement.EmailReplies, c.Engagement.MeetingsAttended),
        new EngagementComponents(EngagementFormula.OpenPoints, EngagementFormula.ClickPoints, EngagementFormula.ReplyPoints,
            EngagementFormula.MeetingPoints),
        c.Tier, c.Engagement.LastActivity, calculatedAt);

    public static AccountResource Resource(AccountView a) => new(a.Id, a.Name, a.Domain, a.Industry, a.CompanySize, a.Revenue, a.Location,
        a.Status, a.Notes, a.FitScore, a.IntentScore, a.Tier, a.Version, a.CreatedAt, a.UpdatedAt);

    public static JsonObject ToJson(AccountView a) => Wire.ToObject(Resource(a));

    /// <summary>
    /// <c>tier=1,2</c> as a range of the projection's amount column (the score the tier follows from): tiers are
    /// contiguous score bands, so a contiguous set of tiers is one range; a set with a gap (1,3) is a 400.
    /// <paramref name="scale"/> maps score points to the stored amount (1 for contacts, 0.01 for the accounts' fit score).
    /// </summary>
    public static ListQuery WithTierAndMinimum(HttpRequest request, ListQuery query, string minimumParameter, decimal scale, decimal maxMinimum)
    {
        var errors = new Dictionary<string, FieldError>(StringComparer.Ordinal);
        decimal? min = null, max = null;
        var tierText = request.Query["tier"].ToString();
        if (!string.IsNullOrWhiteSpace(tierText))
        {
            var tiers = new SortedSet<int>();
            foreach (var part in tierText.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var tier) || tier is < 1 or > EngagementFormula.LowestTier)
                {
                    errors["tier"] = new FieldError("invalid", "tier must be a comma-separated list of 1, 2, 3 or 4");
                    break;
                }
                tiers.Add(tier);
            }
            if (!errors.ContainsKey("tier") && tiers.Count > 0)
            {
                if (tiers.Max - tiers.Min + 1 != tiers.Count)
                {
                    errors["tier"] = new FieldError("invalid", "tier must be a contiguous set (e.g. 1,2 or 2,3,4)");
                }
                else
                {
                    min = EngagementFormula.Range(tiers.Max).Min * scale;
                    // Scores are whole points; a scaled score (fit 0–1) is below the next tier's floor.
                    var top = EngagementFormula.Range(tiers.Min).Max;
                    max = tiers.Min == 1 ? null : scale == 1 ? top : (top + 1) * scale - 0.000001m;
                }
            }
        }
        var minimumText = request.Query[minimumParameter].ToString();
        if (!string.IsNullOrWhiteSpace(minimumText))
        {
            if (!decimal.TryParse(minimumText, NumberStyles.Number, CultureInfo.InvariantCulture, out var minimum) || minimum < 0 || minimum > maxMinimum)
            {
                errors[minimumParameter] = new FieldError("invalid", $"{minimumParameter} must be a number from 0 to {maxMinimum}");
            }
            else
            {
                min = Math.Max(min ?? 0, minimum);
            }
        }
        if (errors.Count > 0)
        {
            throw new ApiException(ApiError.InvalidFields(errors));
        }
        return query with { MinAmount = min ?? query.MinAmount, MaxAmount = max ?? query.MaxAmount };
    }

    private static void CheckId(FieldReader fields, string name, string? id, string prefix)
    {
        if (!string.IsNullOrEmpty(id) && !ResourceRequests.IsWellFormedId(id, prefix))
        {
            fields.Fail(name, "invalid", $"{name} must be a {prefix}_ id");
        }
    }
}
