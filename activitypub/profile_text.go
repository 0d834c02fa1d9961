package activitypub

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/kontor-social/kontor/activitypub/content"
	"github.com/kontor-social/kontor/db"
)

// Limits of a profile, as Mastodon's.
const (
	MaxDisplayName   = 30
	MaxProfileNote   = 500
	MaxProfileFields = 4
	MaxFieldName     = 255
	MaxFieldValue    = 255
)

// ProfileText is a change of a local profile's texts (nil: unchanged), as
// the API's update_credentials and the brand settings page send it.
type ProfileText struct {
	DisplayName *string
	Note        *string
	Fields      *[]FieldInput
}

// FieldInput is one profile field as typed.
type FieldInput struct{ Name, Value string }

// ApplyProfileText checks a change of a's texts and applies it to a (the
// caller stores it with UpdateProfile): the one rule of display names,
// bios and fields. Fields with neither name nor value are dropped, as
// Mastodon does; an unchanged link stays verified.
func (e *Engine) ApplyProfileText(ctx context.Context, a *db.Account, t ProfileText) error {
	if t.DisplayName != nil {
		v := strings.TrimSpace(*t.DisplayName)
		if !utf8.ValidString(v) {
			return inputErr("display_name", "is not valid UTF-8")
		}
		if utf8.RuneCountInString(v) > MaxDisplayName {
			return inputErr("display_name", "is too long (maximum is %d characters)", MaxDisplayName)
		}
		a.DisplayName = v
	}
	if t.Note != nil {
		v := strings.TrimSpace(*t.Note)
		if !utf8.ValidString(v) {
			return inputErr("note", "is not valid UTF-8")
		}
		if content.CountCharacters(v) > MaxProfileNote {
			return inputErr("note", "is too long (maximum is %d characters)", MaxProfileNote)
		}
		a.NoteSource = v
		a.Note = e.FormatProfileNote(ctx, v)
	}
	if t.Fields == nil {
		return nil
	}
	fields := []db.Field{}
	for i, in := range *t.Fields {
		name, value := strings.TrimSpace(in.Name), strings.TrimSpace(in.Value)
		if name == "" && value == "" {
			continue
		}
		if !utf8.ValidString(name) || !utf8.ValidString(value) {
			return inputErr(fmt.Sprintf("fields_attributes[%d]", i), "is not valid UTF-8")
		}
		if utf8.RuneCountInString(name) > MaxFieldName {
			return inputErr(fmt.Sprintf("fields_attributes[%d][name]", i), "is too long (maximum is %d characters)", MaxFieldName)
		}
		if utf8.RuneCountInString(value) > MaxFieldValue {
			return inputErr(fmt.Sprintf("fields_attributes[%d][value]", i), "is too long (maximum is %d characters)", MaxFieldValue)
		}
		f := db.Field{Name: name, Value: content.FormatFieldValue(value), Source: value}
		for _, old := range a.Fields {
			if old.Source == f.Source && old.Value == f.Value {
				f.VerifiedAt = old.VerifiedAt
				break
			}
		}
		fields = append(fields, f)
	}
	if len(fields) > MaxProfileFields {
		return inputErr("fields_attributes", "has too many fields (maximum is %d)", MaxProfileFields)
	}
	a.Fields = fields
	return nil
}
