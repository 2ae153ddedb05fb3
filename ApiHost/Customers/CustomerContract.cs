using System.Text.Json;
using System.Text.Json.Nodes;
using ApiHost.Api;
using ApiHost.Api.Lists;
using Grains.Interfaces.Customers;

namespace ApiHost.Customers;

/// <summary>The customer's wire format: the documented body fields in, the customer object out.</summary>
public static class CustomerContract
{
    private static readonly string[] Optional = ["phone", "company", "address", "city", "state", "zip", "country", "notes", "metadata"];

    /// <summary>
    /// Reads the document's create/update table (plus <c>metadata</c> from the object schema). Everything else
    /// (id, version, timestamps, unknown keys) is dropped. On update only the fields present are changed.
    /// </summary>
    public static CustomerFields Read(JsonElement body, bool creating)
    {
        var fields = new FieldReader(body);
        var name = fields.String("name", required: creating || fields.Has("name"));
        var email = fields.Email("email", required: creating || fields.Has("email"));
        var phone = fields.Phone("phone");
        var company = fields.String("company");
        var address = fields.String("address", maxLength: 1000);
        var city = fields.String("city");
        var state = fields.String("state");
        var zip = fields.String("zip", maxLength: 32);
        var country = fields.String("country", maxLength: 100);
        var notes = fields.String("notes", maxLength: FieldReader.DescriptionMaxLength);
        var status = fields.Enum("status", CustomerKeys.Statuses);
        if (fields.Has("status") && status is null && !(creating && fields.IsNull("status")))
        {
            fields.Fail("status", "invalid", $"status must be one of: {string.Join(", ", CustomerKeys.Statuses)}");
        }
        var metadata = fields.Metadata("metadata");
        fields.ThrowIfInvalid();

        return new CustomerFields
        {
            Name = name,
            Email = email,
            Phone = FieldReader.Blank(phone),
            Company = FieldReader.Blank(company),
            Address = FieldReader.Blank(address),
            City = FieldReader.Blank(city),
            State = FieldReader.Blank(state),
            Zip = FieldReader.Blank(zip),
            Country = FieldReader.Blank(country),
            Notes = FieldReader.Blank(notes),
            Status = status,
            MetadataJson = metadata,
            Cleared = creating ? [] : ResourceRequests.ClearedFields(body, Optional),
        };
    }

    /// <summary>
    /// The customer object. Both <c>id</c> (object schema) and <c>customer_id</c> (the document's examples and SDK)
    /// carry the id; see docs/decisions.md.
    /// </summary>
    public static CustomerResource Resource(CustomerView c) => new(c.Id, c.Id, c.Name, c.Email, c.Phone, c.Company, c.Address,
        c.City, c.State, c.Zip, c.Country, c.Notes, c.Status, Wire.Metadata(c.MetadataJson), c.Version, c.CreatedAt, c.UpdatedAt);

    public static JsonObject ToJson(CustomerView customer) => Wire.ToObject(Resource(customer));

    /// <summary>A single customer's <c>data</c>: <c>{"customer": {...}}</c>.</summary>
    public static JsonObject Single(CustomerView customer, ListShape? shape = null) =>
        new() { ["customer"] = (shape ?? ListShape.Full).Apply(ToJson(customer)) };
}
