package twilioemu

// Snapshots and direct changes for assertions and drift tests (part of Control).

// Services lists an account's Messaging Services, oldest first ("" for all accounts).
func (s *Server) Services(accountSid string) ([]Service, error) {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	return s.st.serviceList(func(svc *Service) bool { return accountSid == "" || svc.AccountSid == accountSid }), nil
}

// Service is one Messaging Service of any account.
func (s *Server) Service(sid string) (Service, error) {
	svc, err := s.st.service("", sid)
	if err != nil {
		return Service{}, ErrNotFound.withf("unknown Messaging Service %s", sid)
	}
	return svc, nil
}

// PoolNumbers is a service's sender pool, oldest number first.
func (s *Server) PoolNumbers(serviceSid string) ([]PhoneNumber, error) {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	if _, err := s.st.serviceRef("", serviceSid); err != nil {
		return nil, ErrNotFound.withf("unknown Messaging Service %s", serviceSid)
	}
	return s.st.poolOf(serviceSid), nil
}

// PhoneNumbers lists an account's numbers ("" for all accounts).
func (s *Server) PhoneNumbers(accountSid string) ([]PhoneNumber, error) {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	return sorted(s.st, s.st.numbers, func(n *PhoneNumber) string { return n.Sid },
		func(n *PhoneNumber) bool { return accountSid == "" || n.AccountSid == accountSid }), nil
}

// Brands lists an account's brands, vetting settled ("" for all accounts).
func (s *Server) Brands(accountSid string) ([]Brand, error) {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	s.st.settleAll()
	return sorted(s.st, s.st.brands, func(b *Brand) string { return b.Sid },
		func(b *Brand) bool { return accountSid == "" || b.AccountSid == accountSid }), nil
}

// Campaigns lists an account's campaigns, vetting settled ("" for all accounts).
func (s *Server) Campaigns(accountSid string) ([]Campaign, error) {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	s.st.settleAll()
	return sorted(s.st, s.st.campaigns, func(c *Campaign) string { return c.Sid },
		func(c *Campaign) bool { return accountSid == "" || c.AccountSid == accountSid }), nil
}

// PatchService changes a service as a user in the Twilio Console would.
func (s *Server) PatchService(sid string, p ServicePatch) error {
	_, err := s.UpdateService(sid, p.apply)
	return err
}

// UpdateService changes a service with fn, in-process only: drift in any field. The
// SID, account and creation time cannot change; date_updated is stamped.
func (s *Server) UpdateService(sid string, fn func(*Service)) (Service, error) {
	svc, err := s.st.updateService("", sid, func(svc *Service) error { fn(svc); return nil })
	if err != nil {
		return Service{}, ErrNotFound.withf("unknown Messaging Service %s", sid)
	}
	return svc, nil
}

// PatchPhoneNumber changes a number's name and routing as a user in the Console would.
func (s *Server) PatchPhoneNumber(sid string, p PhoneNumberPatch) error {
	if err := p.validate(); err != nil {
		return ErrInvalidSeed.withf("%v", err)
	}
	if _, err := s.st.patchNumber("", sid, p); err != nil {
		return ErrNotFound.withf("unknown phone number %s", sid)
	}
	return nil
}

// SeedAddressConfiguration adds or replaces an address configuration.
func (s *Server) SeedAddressConfiguration(accountSid string, c AddressConfigurationSeed) (string, error) {
	if _, err := c.autoCreation(); err != nil {
		return "", ErrInvalidSeed.withf("%v", err)
	}
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	if _, ok := s.st.accounts[accountSid]; !ok {
		return "", ErrUnknownAccount.withf("unknown account %s", accountSid)
	}
	if err := s.st.addressConfigurable(accountSid, c.Address); err != nil {
		return "", ErrInvalidSeed.withf("%v", err)
	}
	return s.st.seedAddressConfig(accountSid, c), nil
}

// AddressConfigurations lists an account's address configurations ("" for all).
func (s *Server) AddressConfigurations(accountSid string) ([]AddressConfiguration, error) {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	return sorted(s.st, s.st.addressConfigs, func(c *AddressConfiguration) string { return c.Sid },
		func(c *AddressConfiguration) bool { return accountSid == "" || c.AccountSid == accountSid }), nil
}
