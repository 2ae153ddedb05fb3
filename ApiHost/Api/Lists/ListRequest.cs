using System.Globalization;
using Grains.Interfaces.Projections;
using Microsoft.Extensions.Primitives;

namespace ApiHost.Api.Lists;

/// <summary>
/// Reads the document's list parameters (<c>limit, offset, after, before, sort, status, search,
/// created_after, created_before, min_value, max_value</c> and the resource's own exact-match filters) from
/// the query string into a <see cref="ListQuery"/>. Every problem is reported at once as 400
/// <c>validation_error.invalid_fields</c> with <c>details.fields.&lt;parameter&gt;.code</c>
/// <c>invalid</c>, <c>out_of_range</c> or <c>too_long</c>.
/// </summary>
public static class ListRequest
{
    public const int DefaultLimit = ListPaging.DefaultLimit;
    public const int MaxLimit = ListPaging.MaxLimit;
    public const int MaxSearchLength = 255;
    public const int MaxValueLength = 255;

    private static readonly string[] Sorts = ["created_at", "updated_at"];

    /// <param name="allowedFilters">The resource's exact-match filters (e.g. <c>type, category</c>), copied into
    /// <see cref="ListQuery.Filters"/> under the same name when given.</param>
    /// <param name="allowedStatuses">When given, <c>status</c> must be one of these (else 400); otherwise any
    /// value is accepted and simply matches nothing if unknown.</param>
    public static ListQuery Parse(HttpRequest request, IReadOnlyCollection<string> allowedFilters,
        IReadOnlyCollection<string>? allowedStatuses = null)
    {
        var query = new QueryReader(request.Query);

        var (limit, offset) = ListPaging.Read(query);
        var sortText = query.OneOf("sort", Sorts);
        var after = query.Cursor("after");
        var before = query.Cursor("before");
        if (after is not null && before is not null)
        {
            query.Fail("before", "invalid", "Give either after or before, not both");
        }

        // Without sort, a cursor continues the order it was issued for; with sort, they must agree.
        var sort = sortText is null ? (after ?? before)?.Sort ?? ListSort.CreatedAt : ParseSort(sortText);
        foreach (var (name, cursor) in new[] { ("after", after), ("before", before) })
        {
            if (cursor is not null && cursor.Sort != sort)
            {
                query.Fail(name, "invalid", $"{name} is a cursor for sort={SortName(cursor.Sort)}; send the same sort or none");
            }
        }

        var status = query.Text("status", 64);
        if (status is not null && allowedStatuses is not null && !allowedStatuses.Contains(status))
        {
            query.Fail("status", "invalid", $"status must be one of: {string.Join(", ", allowedStatuses)}");
        }

        var search = query.Text("search", MaxSearchLength);
        var createdAfter = query.Timestamp("created_after");
        var createdBefore = query.Timestamp("created_before");
        var minValue = query.Decimal("min_value");
        var maxValue = query.Decimal("max_value");
        if (minValue > maxValue)
        {
            query.Fail("max_value", "out_of_range", "max_value must be at least min_value");
        }

        Dictionary<string, string>? filters = null;
        foreach (var name in allowedFilters)
        {
            if (query.Text(name, MaxValueLength) is { } value)
            {
                (filters ??= new Dictionary<string, string>(StringComparer.Ordinal))[name] = value;
            }
        }

        query.ThrowIfInvalid();
        return new ListQuery(limit, after is null && before is null ? offset : 0, sort,
            after?.Encode(), before?.Encode(), status, filters, search, createdAfter, createdBefore, minValue, maxValue);
    }

    public static string SortName(ListSort sort) => sort == ListSort.UpdatedAt ? "updated_at" : "created_at";

    private static ListSort ParseSort(string text) => text == "updated_at" ? ListSort.UpdatedAt : ListSort.CreatedAt;

    /// <summary>Typed query-string values; an empty value counts as absent, a repeated one is invalid.</summary>
    internal sealed class QueryReader(IQueryCollection query)
    {
        private readonly Dictionary<string, FieldError> errors = new(StringComparer.Ordinal);

        public void Fail(string name, string code, string message) => errors.TryAdd(name, new FieldError(code, message));

        public void ThrowIfInvalid()
        {
            if (errors.Count > 0)
            {
                throw new ApiException(ApiError.InvalidFields(errors));
            }
        }

        public string? Text(string name, int maxLength)
        {
            if (!query.TryGetValue(name, out StringValues values) || values.Count == 0)
            {
                return null;
            }

            if (values.Count > 1)
            {
                Fail(name, "invalid", $"{name} may be given only once");
                return null;
            }

            var text = values[0]?.Trim();
            if (string.IsNullOrEmpty(text))
            {
                return null;
            }

            if (text.Length > maxLength)
            {
                Fail(name, "too_long", $"{name} must be at most {maxLength} characters");
                return null;
            }

            return text;
        }

        public int? Integer(string name, int min, int max)
        {
            var text = Text(name, 32);
            if (text is null)
            {
                return null;
            }

            if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number))
            {
                Fail(name, "invalid", $"{name} must be a whole number");
                return null;
            }

            if (number < min || number > max)
            {
                Fail(name, "out_of_range", max == int.MaxValue ? $"{name} must be at least {min}" : $"{name} must be between {min} and {max}");
                return null;
            }

            return (int)number;
        }

        public decimal? Decimal(string name)
        {
            var text = Text(name, 64);
            if (text is null)
            {
                return null;
            }

            if (!decimal.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
            {
                Fail(name, "invalid", $"{name} must be a number");
                return null;
            }

            return number;
        }

        public string? OneOf(string name, IReadOnlyCollection<string> allowed)
        {
            var text = Text(name, 64);
            if (text is not null && !allowed.Contains(text))
            {
                Fail(name, "invalid", $"{name} must be one of: {string.Join(", ", allowed)}");
                return null;
            }

            return text;
        }

        public DateTimeOffset? Timestamp(string name)
        {
            var text = Text(name, 64);
            if (text is null)
            {
                return null;
            }

            // An unencoded '+' in an offset (…T10:00:00+10:00) arrives as a space.
            if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
                || DateTimeOffset.TryParse(text.Replace(' ', '+'), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out at))
            {
                return at.ToUniversalTime();
            }

            Fail(name, "invalid", $"{name} must be an ISO 8601 timestamp");
            return null;
        }

        public ListCursor? Cursor(string name)
        {
            var text = Text(name, 512);
            if (text is null)
            {
                return null;
            }

            if (!ListCursor.TryDecode(text, out var cursor))
            {
                Fail(name, "invalid", $"{name} must be a next_cursor or prev_cursor from a previous response");
                return null;
            }

            return cursor;
        }
    }
}
