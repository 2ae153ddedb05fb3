using System.Text.Json;
using System.Text.Json.Nodes;
using ApiHost.Api;
using CsvHelper;
using Grains.Interfaces.Campaigns;

namespace ApiHost.Campaigns;

/// <summary>
/// SAM's prospect CSV: a header row naming (any order, any case) <c>first_name, last_name, email, linkedin_url, company,
/// title</c>, <c>email</c> required. Every row is checked before anything is kept: one bad row or value is a 400 naming it
/// as <c>rows[i].column</c> (<c>i</c> = the 0-based data row, the file's line i + 2), and no session is made.
/// </summary>
public static class ProspectCsv
{
    public static readonly IReadOnlyList<string> Columns = ["first_name", "last_name", "email", "linkedin_url", "company", "title"];

    public static IReadOnlyList<ProspectInput> Read(TextReader text)
    {
        // Strict: a stray quote or a row with another number of fields than the header is an error, never guessed at.
        var options = new CsvReaderOptions
        {
            TrimWhitespace = true, MalformedData = CsvMalformedDataHandling.Throw, FieldCountMismatch = CsvFieldCountHandling.Throw,
            AllowLineBreaksInQuotes = false,
        };
        var rows = new JsonArray();
        try
        {
            using var csv = CsvReader.Create(text, options, leaveOpen: true);
            var header = csv.Headers.Select(h => h.Trim().ToLowerInvariant()).ToHashSet();
            if (header.Count == 0)
            {
                throw Invalid("file", "required", "The file is empty: a header row and one row per prospect are expected");
            }
            if (!header.Contains("email"))
            {
                throw Invalid("file", "missing_column", $"The header row has no email column (columns: {string.Join(", ", Columns)})");
            }
            while (csv.Read())
            {
                if (rows.Count == ProspectKeys.MaxProspects)
                {
                    throw Invalid("file", "too_many", $"A file holds at most {ProspectKeys.MaxProspects} prospects");
                }
                var row = new JsonObject();
                foreach (var column in Columns.Where(header.Contains))
                {
                    row[column] = csv.GetStringOrNull(column);
                }
                rows.Add(row);
            }
        }
        catch (CsvFormatException ex)
        {
            // RecordNumber counts the header as record 1.
            throw Invalid(ex.RecordNumber >= 2 ? $"rows[{ex.RecordNumber - 2}]" : "file", "invalid",
                "Not valid CSV here (a stray quote, or another number of fields than the header has)");
        }
        if (rows.Count == 0)
        {
            throw Invalid("file", "required", "The file has no prospects");
        }
        var fields = new FieldReader(JsonSerializer.SerializeToElement(new JsonObject { ["rows"] = rows }));
        var prospects = fields.Objects("rows", row => new ProspectInput(
            FieldReader.Blank(row.String("first_name")), FieldReader.Blank(row.String("last_name")), row.Email("email", required: true) ?? "",
            FieldReader.Blank(row.Url("linkedin_url")), FieldReader.Blank(row.String("company")), FieldReader.Blank(row.String("title"))));
        fields.ThrowIfInvalid();
        return prospects;
    }

    private static ApiException Invalid(string field, string code, string message) =>
        new(ApiError.InvalidFields(new Dictionary<string, FieldError> { [field] = new(code, message) }));
}
