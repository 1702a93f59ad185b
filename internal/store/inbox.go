package store

import "fmt"

// checkInbox validates a WriteInbox batch before anything is written.
func checkInbox(add []InboxItem) error {
	for i, it := range add {
		if err := validate("write inbox", "ID", it.ID, "owner", it.Owner); err != nil {
			return fmt.Errorf("%w (item %d)", err, i)
		}
		if len(it.Payload) == 0 {
			return fmt.Errorf("write inbox: empty payload (item %d, %s)", i, it.ID)
		}
	}
	return nil
}
